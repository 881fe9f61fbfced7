/// The request body could not be read to its end: the client closed the
/// connection mid-body, or sent framing the HTTP parser refused.
///
/// It is the client's doing, not a server fault: ``ErrorMiddleware`` answers
/// it as 400 `malformed_json` (so `meet_http_requests_total` counts a 4xx)
/// and logs it at debug level, never as an error.
struct RequestBodyAborted: Error, Sendable {
    let underlying: any Error
}
