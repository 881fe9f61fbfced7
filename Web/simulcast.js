// Simulcast encodings the publisher offers (RFC 8853, #16): the node
// receives every layer and forwards ONE to each subscriber, the one that
// fits its tile (and, later, its bandwidth). RIDs and order are the node's
// convention: lowest resolution first.

/** Camera: three layers, 1/4, 1/2 and full size (320×180, 640×360, 1280×720 from a 720p camera). */
export function cameraEncodings() {
  return [
    { rid: 'q', scaleResolutionDownBy: 4, maxBitrate: 150_000 },
    { rid: 'h', scaleResolutionDownBy: 2, maxBitrate: 500_000 },
    { rid: 'f', maxBitrate: 1_500_000 },
  ];
}

/**
 * The camera as one stream (no simulcast; the test hook `?simulcast=0`, for
 * comparisons such as scripts/bench-allocation): full size, the top layer's bitrate cap.
 */
export function singleCameraEncoding() {
  return [{ maxBitrate: 1_500_000 }];
}

/** Screen share: two layers, half and full size (text must stay sharp in the big view). */
export function screenEncodings() {
  return [
    { rid: 'q', scaleResolutionDownBy: 2, maxBitrate: 500_000 },
    { rid: 'f', maxBitrate: 2_500_000 },
  ];
}
