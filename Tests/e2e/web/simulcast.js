// One sendonly RTCPeerConnection publishing the fake camera as three
// simulcast layers (RFC 8853, RIDs q, h, f at 1/4, 1/2 and full size), as
// the web client does. The Selenium test calls simulcastOffer(), hands the
// SDP to the node, then applyAnswer(sdp), and polls outboundStats().
// simulcastOffer("h264") offers H.264 alone (and its RTX), so Chromium
// encodes the layers in H.264; h264Support() says what this build has.
"use strict";

let pc = null;
// What became of `degradationPreference: "maintain-resolution"` (set after addTransceiver): the value the
// sender kept, or why not. Under CPU load Chromium then drops frames rather than scaling the layers down.
let degradation = null;

/** Whether this Chromium can send H.264 (its sender capabilities), and which profiles. */
function h264Support() {
  const codecs = (RTCRtpSender.getCapabilities("video") || { codecs: [] }).codecs;
  return codecs.filter((c) => c.mimeType.toLowerCase() === "video/h264").map((c) => c.sdpFmtpLine || "");
}

async function simulcastOffer(codec = null) {
  const stream = await navigator.mediaDevices.getUserMedia({ video: { width: 1280, height: 720 } });
  pc = new RTCPeerConnection({ iceServers: [] });
  const transceiver = pc.addTransceiver(stream.getVideoTracks()[0], {
    direction: "sendonly",
    streams: [stream],
    sendEncodings: [
      { rid: "q", scaleResolutionDownBy: 4, maxBitrate: 150000 },
      { rid: "h", scaleResolutionDownBy: 2, maxBitrate: 500000 },
      { rid: "f", maxBitrate: 1500000 },
    ],
  });
  try {
    const params = transceiver.sender.getParameters();
    params.degradationPreference = "maintain-resolution";
    await transceiver.sender.setParameters(params);
    degradation = transceiver.sender.getParameters().degradationPreference || "not kept";
  } catch (error) {
    degradation = "unsupported: " + error.name;
  }
  if (codec) {
    const wanted = ["video/" + codec.toLowerCase(), "video/rtx"];
    const codecs = RTCRtpSender.getCapabilities("video").codecs;
    transceiver.setCodecPreferences(codecs.filter((c) => wanted.includes(c.mimeType.toLowerCase())));
  }
  await pc.setLocalDescription(await pc.createOffer());
  return pc.localDescription.sdp;
}

async function applyAnswer(sdp) {
  await pc.setRemoteDescription({ type: "answer", sdp });
  return "ok";
}

// Per RID: frames encoded, the size sent, bytes sent, why the encoder is limited (`cpu`: Chromium may
// scale the layer down); the connection state and `degradation`.
async function outboundStats() {
  const result = { state: pc ? pc.connectionState : "none", degradation, layers: {} };
  if (!pc) return result;
  const report = await pc.getStats();
  report.forEach((stat) => {
    if (stat.type === "outbound-rtp" && stat.kind === "video") {
      result.layers[stat.rid || "-"] = { framesEncoded: stat.framesEncoded || 0, frameWidth: stat.frameWidth || 0,
                                         frameHeight: stat.frameHeight || 0, bytesSent: stat.bytesSent || 0,
                                         scalabilityMode: stat.scalabilityMode || null,
                                         qualityLimitationReason: stat.qualityLimitationReason || null,
                                         encoderImplementation: stat.encoderImplementation || null,
                                         codec: (report.get(stat.codecId) || {}).mimeType || null };
    }
  });
  return result;
}
