// How this browser's peer connections reach the SFU nodes.
//
// Every peer connection goes straight to an SFU node's UDP port. Where a
// network blocks that (strict NAT, UDP filtered), the connection can go
// through a TURN relay instead: meet-ws hands out short-lived TURN
// credentials in each `joined`/`admitted` snapshot (`iceServers`, shaped
// like RTCIceServer) when the deployment runs one (MEET_TURN_URLS). Fresh
// ones arrive on every (re)join; each new connection takes the latest.
//
// Test hook: `meetTest.iceTransportPolicy = 'relay'` forces every
// connection through the relay, as a browser behind a strict NAT would.

let iceServers = [];

/** Keeps the servers from a snapshot; ignores anything that is not a list of {urls}. */
export function setIceServers(list) {
  if (!Array.isArray(list)) return;
  iceServers = list.filter((server) => server && (typeof server.urls === 'string' || Array.isArray(server.urls)));
}

/** The configuration for a new RTCPeerConnection to an SFU node. */
export function peerConnectionConfig() {
  const config = { iceServers: iceServers.slice(), bundlePolicy: 'max-bundle', rtcpMuxPolicy: 'require' };
  if (window.meetTest && window.meetTest.iceTransportPolicy === 'relay') config.iceTransportPolicy = 'relay';
  return config;
}
