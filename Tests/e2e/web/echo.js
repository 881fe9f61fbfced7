// Drives one RTCPeerConnection against meet-echo: getUserMedia (fake
// devices), createOffer, POST /offer, setRemoteDescription. The Selenium test
// calls startEcho() and then polls inboundStats().
"use strict";

let pc = null;
const events = [];

async function startEcho() {
  const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: { width: 320, height: 240 } });
  pc = new RTCPeerConnection({ iceServers: [] });
  pc.addEventListener("iceconnectionstatechange", () => events.push("ice:" + pc.iceConnectionState));
  pc.addEventListener("connectionstatechange", () => events.push("pc:" + pc.connectionState));
  pc.addEventListener("track", (event) => {
    events.push("track:" + event.track.kind);
    if (event.track.kind === "video") {
      document.getElementById("remote").srcObject = event.streams[0] || new MediaStream([event.track]);
    }
  });
  for (const track of stream.getTracks()) {
    pc.addTrack(track, stream);
  }
  await pc.setLocalDescription(await pc.createOffer());
  const response = await fetch("/offer", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ sdp: pc.localDescription.sdp, type: pc.localDescription.type }),
  });
  if (!response.ok) {
    throw new Error("POST /offer: " + response.status + " " + (await response.text()));
  }
  const answer = await response.json();
  await pc.setRemoteDescription(answer);
  return "ok";
}

async function inboundStats() {
  const result = { video: null, audio: null, events: events.slice(), state: pc ? pc.connectionState : "none",
                   ice: pc ? pc.iceConnectionState : "none" };
  if (!pc) return result;
  const report = await pc.getStats();
  report.forEach((stat) => {
    if (stat.type === "inbound-rtp" && stat.kind === "video") {
      result.video = { framesDecoded: stat.framesDecoded || 0, packetsReceived: stat.packetsReceived || 0,
                       frameWidth: stat.frameWidth || 0, frameHeight: stat.frameHeight || 0 };
    }
    if (stat.type === "inbound-rtp" && stat.kind === "audio") {
      result.audio = { packetsReceived: stat.packetsReceived || 0, totalSamplesReceived: stat.totalSamplesReceived || 0 };
    }
    if (stat.type === "transport") {
      result.dtlsState = stat.dtlsState;
    }
  });
  return result;
}
