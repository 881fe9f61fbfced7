// Speaking indicators: the level of each audio track through WebAudio.
//
// One AudioContext and one AnalyserNode per watched track; a timer samples
// the RMS level every 100 ms and reports `speaking` with hysteresis (on above
// a threshold, off after 600 ms below it) so the outline does not flicker.
// Nothing is connected to the speakers: playback is the <audio> elements' job.

const ON_LEVEL = 0.035;
const HOLD_MS = 600;

export class SpeakingMeter {
  /** @param onChange (key, speaking) => void */
  constructor(onChange) {
    this.onChange = onChange;
    this.context = null;
    this.watched = new Map();
    this.timer = null;
  }

  /** Watches `track` under `key` (a participant id); replaces an earlier track of that key. */
  watch(key, track) {
    const existing = this.watched.get(key);
    if (existing && existing.track === track) return;
    this.unwatch(key);
    if (!track) return;
    const context = this.ensureContext();
    if (!context) return;
    let source;
    try {
      source = context.createMediaStreamSource(new MediaStream([track]));
    } catch {
      return;
    }
    const analyser = context.createAnalyser();
    analyser.fftSize = 512;
    source.connect(analyser);
    this.watched.set(key, { track, source, analyser, buffer: new Float32Array(analyser.fftSize), speaking: false, lastLoud: 0 });
    if (!this.timer) this.timer = setInterval(() => this.sample(), 100);
  }

  unwatch(key) {
    const entry = this.watched.get(key);
    if (!entry) return;
    entry.source.disconnect();
    this.watched.delete(key);
    if (entry.speaking) this.onChange(key, false);
    if (this.watched.size === 0) { clearInterval(this.timer); this.timer = null; }
  }

  /** Browsers start audio contexts suspended until a user gesture; call from one. */
  resume() {
    if (this.context && this.context.state === 'suspended') this.context.resume().catch(() => {});
  }

  close() {
    for (const key of [...this.watched.keys()]) this.unwatch(key);
    if (this.context) this.context.close().catch(() => {});
    this.context = null;
  }

  ensureContext() {
    if (!this.context) {
      const Context = window.AudioContext || window.webkitAudioContext;
      if (!Context) return null;
      this.context = new Context();
    }
    this.resume();
    return this.context;
  }

  sample() {
    const now = performance.now();
    for (const [key, entry] of this.watched) {
      let level = 0;
      if (entry.track.enabled && entry.track.readyState === 'live') {
        entry.analyser.getFloatTimeDomainData(entry.buffer);
        let sum = 0;
        for (const value of entry.buffer) sum += value * value;
        level = Math.sqrt(sum / entry.buffer.length);
      }
      if (level > ON_LEVEL) entry.lastLoud = now;
      const speaking = now - entry.lastLoud < HOLD_MS;
      if (speaking !== entry.speaking) {
        entry.speaking = speaking;
        this.onChange(key, speaking);
      }
    }
  }
}
