import Foundation
import Testing
@testable import MeetStorage

/// AWS Signature Version 4 against AWS's own published examples: the
/// `get-vanilla` case of the SigV4 test suite (credentials `AKIDEXAMPLE`,
/// service `service`) and the S3 documentation's "GET Object" example
/// (a `Range` header and `x-amz-content-sha256`, `examplebucket`).
@Suite("SigV4")
struct SigV4Tests {
    static let suiteDate = Date(timeIntervalSince1970: 1_440_938_160)  // 2015-08-30T12:36:00Z
    static let s3Date = Date(timeIntervalSince1970: 1_369_353_600)  // 2013-05-24T00:00:00Z

    @Test("get-vanilla: canonical request, string to sign and signature")
    func getVanilla() {
        let signer = SigV4Signer(
            accessKeyID: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", region: "us-east-1",
            service: "service")
        let request = SigV4Signer.Request(
            method: "GET", path: "/", headers: [("Host", "example.amazonaws.com"), ("X-Amz-Date", "20150830T123600Z")])
        let canonical = SigV4Signer.canonicalRequest(request, payloadHash: SigV4Signer.emptyPayloadHash)
        #expect(
            canonical == """
                GET
                /

                host:example.amazonaws.com
                x-amz-date:20150830T123600Z

                host;x-amz-date
                e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
                """)
        let toSign = SigV4Signer.stringToSign(canonical, amzDate: "20150830T123600Z", scope: signer.scope("20150830T123600Z"))
        #expect(
            toSign == """
                AWS4-HMAC-SHA256
                20150830T123600Z
                20150830/us-east-1/service/aws4_request
                bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63
                """)
        // The signer adds x-amz-date itself; without the content-hash header it signs exactly the suite's request.
        let headers = signer.sign(
            SigV4Signer.Request(method: "GET", path: "/", headers: [("Host", "example.amazonaws.com")]),
            payloadHash: SigV4Signer.emptyPayloadHash, date: Self.suiteDate, contentHashHeader: false)
        #expect(
            headers.last?.1
                == "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
        )
    }

    @Test("S3 GET Object with a Range header (S3 documentation example)")
    func s3GetObject() {
        let signer = SigV4Signer(
            accessKeyID: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", region: "us-east-1")
        let headers = signer.sign(
            SigV4Signer.Request(
                method: "GET", path: "/test.txt", headers: [("Host", "examplebucket.s3.amazonaws.com"), ("Range", "bytes=0-9")]),
            payloadHash: SigV4Signer.emptyPayloadHash, date: Self.s3Date)
        #expect(
            headers.last?.1
                == "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
        )
    }

    @Test("a presigned GET: AWS's documented example, and path style with response-* overrides as botocore signs it")
    func presignedGET() throws {
        let signer = SigV4Signer(
            accessKeyID: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", region: "us-east-1")
        // "Authenticating Requests: Using Query Parameters", the example URL for examplebucket/test.txt.
        let query = signer.presign(
            SigV4Signer.Request(method: "GET", path: "/test.txt", headers: [("host", "examplebucket.s3.amazonaws.com")]),
            expires: 86_400, date: Self.s3Date)
        #expect(
            SigV4Signer.queryString(query)
                == "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"
                + "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host"
                + "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404")

        // The client's form: path style on an endpoint with a port, a key with a space, response headers
        // signed in. The expected URL is what botocore's S3SigV4QueryAuth (1.44) makes of the same request.
        let client = try S3Client(
            configuration: S3Configuration(
                endpoint: "http://s3.internal:9000", bucket: "bucket", accessKeyID: "AKIAIOSFODNN7EXAMPLE",
                secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"))
        let url = try client.presignedGET(
            key: "m/r/a b.webm", expires: 86_400, endpoint: try #require(S3Endpoint("http://127.0.0.1:9000")),
            responseHeaders: [("response-content-type", "video/webm"), ("response-content-disposition", "inline; filename=\"x.webm\"")],
            date: Self.s3Date)
        #expect(
            url == "http://127.0.0.1:9000/bucket/m/r/a%20b.webm?response-content-type=video%2Fwebm"
                + "&response-content-disposition=inline%3B%20filename%3D%22x.webm%22&X-Amz-Algorithm=AWS4-HMAC-SHA256"
                + "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z"
                + "&X-Amz-Expires=86400&X-Amz-SignedHeaders=host"
                + "&X-Amz-Signature=d8c1522618f3121453b102a5c0cf7a37f58fb9e93d9f5c612c3e6664a24b4973")
        // Lifetimes are clamped to what S3 takes (1 s – 7 days); keys are checked as for every call.
        let long = signer.presign(SigV4Signer.Request(method: "GET", path: "/k", headers: [("host", "h")]), expires: 10_000_000, date: Self.s3Date)
        #expect(long.first { $0.0 == "X-Amz-Expires" }?.1 == "604800")
        #expect(throws: StorageError.self) { try client.presignedGET(key: "../x", expires: 60) }
        // The host is signed as browsers send it: lower case, an IPv6 literal in brackets.
        let mixed = try client.presignedGET(key: "k", expires: 60, endpoint: try #require(S3Endpoint("https://Files.Example.COM")))
        #expect(mixed.hasPrefix("https://files.example.com/bucket/k?"))
        let v6 = try client.presignedGET(key: "k", expires: 60, endpoint: try #require(S3Endpoint("http://[::1]:9000/")))
        #expect(v6.hasPrefix("http://[::1]:9000/bucket/k?"))
    }

    @Test("an S3 endpoint is http(s)://host[:port] and nothing more: authority and origin as URLs and Host headers carry them")
    func endpoints() throws {
        let plain = try #require(S3Endpoint("http://minio:9000"))
        #expect(plain.host == "minio" && plain.port == 9000 && plain.authority == "minio:9000" && plain.origin == "http://minio:9000")
        let aws = try #require(S3Endpoint("https://S3.eu-west-1.amazonaws.com/"))
        #expect(aws.port == 443 && aws.authority == "s3.eu-west-1.amazonaws.com" && aws.origin == "https://s3.eu-west-1.amazonaws.com")
        let v6 = try #require(S3Endpoint("http://[::1]:9000"))
        #expect(v6.host == "::1" && v6.authority == "[::1]:9000")
        #expect(try #require(S3Endpoint("http://127.0.0.1:80")).authority == "127.0.0.1")
        // Refused rather than dropped: another scheme, no host, a path prefix, a query, user info.
        for bad in ["ftp://x", "minio:9000", "http://", "http://h/s3", "http://h/?a=b", "http://u:p@h", "http://h/#f"] {
            #expect(S3Endpoint(bad) == nil, "\(bad)")
        }
    }

    @Test("query pairs are encoded and sorted; header values trimmed and folded")
    func canonicalParts() {
        let request = SigV4Signer.Request(
            method: "POST", path: SigV4Signer.encodePath("/bucket/a b/c~d.webm"), query: [("uploadId", "x/y"), ("partNumber", "2")],
            headers: [("Host", "h"), ("X-Custom", "  a   b  ")])
        let lines = SigV4Signer.canonicalRequest(request, payloadHash: "p").components(separatedBy: "\n")
        #expect(lines[1] == "/bucket/a%20b/c~d.webm")
        #expect(lines[2] == "partNumber=2&uploadId=x%2Fy")
        #expect(lines[4] == "x-custom:a b")
        #expect(SigV4Signer.amzDate(Self.s3Date) == "20130524T000000Z")
    }
}
