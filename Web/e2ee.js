// Attaching the E2EE worker (e2ee-worker.js) to a peer connection's senders and
// receivers, with the encoded-transform API where the browser has it
// (RTCRtpScriptTransform: Chrome, Safari, Firefox) and Chrome's older
// createEncodedStreams otherwise, which needs `encodedInsertableStreams`
// in the connection's configuration (see `e2eeConnectionConfig`).

/** Which API this browser offers: 'script-transform', 'encoded-streams', or null (E2EE impossible here). */
export function e2eeSupport(scope = globalThis) {
  if (typeof scope.RTCRtpScriptTransform === 'function') return 'script-transform';
  if (scope.RTCRtpSender && typeof scope.RTCRtpSender.prototype.createEncodedStreams === 'function') return 'encoded-streams';
  return null;
}

/** `config` with what the fallback API needs (nothing for RTCRtpScriptTransform). */
export function e2eeConnectionConfig(config, scope = globalThis) {
  return e2eeSupport(scope) === 'encoded-streams' ? { ...config, encodedInsertableStreams: true } : config;
}

/**
 * The codecs an E2EE meeting negotiates, those whose clear bytes
 * e2ee-frames.js knows: Opus for audio; VP8, then H.264 (the node answers
 * VP8 when both are offered; a browser offering only H.264 sends H.264),
 * and RTX for video. Apply with `transceiver.setCodecPreferences` before
 * creating the offer.
 */
export function e2eeCodecs(kind, capabilities) {
  const wanted = kind === 'audio' ? ['audio/opus'] : ['video/vp8', 'video/h264', 'video/rtx'];
  const rank = (codec) => wanted.indexOf(codec.mimeType.toLowerCase());
  return (capabilities?.codecs ?? []).filter((codec) => rank(codec) >= 0).sort((a, b) => rank(a) - rank(b));
}

/** The E2EE worker of a page: one per meeting. */
export class E2EEWorker {
  /** @param onStats ({encrypted, decrypted, failed, dropped}) => void, about once a second */
  constructor(passphrase, meetingCode, { onStats = () => undefined, scope = globalThis } = {}) {
    this.support = e2eeSupport(scope);
    if (!this.support) throw new Error('this browser cannot encrypt media end to end');
    this.scope = scope;
    this.worker = new scope.Worker(new URL('./e2ee-worker.js', import.meta.url), { type: 'module', name: 'meet-e2ee' });
    this.worker.onmessage = (event) => { if (event.data?.type === 'stats') onStats(event.data); };
    this.setPassphrase(passphrase, meetingCode);
  }

  /** Replaces the meeting key (a host shared a new passphrase). */
  setPassphrase(passphrase, meetingCode) {
    this.worker.postMessage({ type: 'key', passphrase, meetingCode });
  }

  /** Encrypts what `sender` sends. */
  attachSender(sender) {
    this.#attach(sender, 'send', sender.track?.kind ?? 'video');
  }

  /** Decrypts what `receiver` gets. */
  attachReceiver(receiver) {
    this.#attach(receiver, 'receive', receiver.track?.kind ?? 'video');
  }

  #attach(endpoint, side, kind) {
    if (endpoint.transform || endpoint.meetE2EE) return;
    if (this.support === 'script-transform') {
      endpoint.transform = new this.scope.RTCRtpScriptTransform(this.worker, { side, kind });
    } else {
      const { readable, writable } = endpoint.createEncodedStreams();
      this.worker.postMessage({ type: 'streams', side, kind, readable, writable }, [readable, writable]);
    }
    endpoint.meetE2EE = true;
  }

  close() {
    this.worker.terminate();
  }
}
