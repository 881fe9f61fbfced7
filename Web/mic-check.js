// Audio levels through WebAudio: the pre-join microphone meter and the
// speaking indicators in the meeting both read them here.
//
// `AudioLevels` holds one AudioContext and one AnalyserNode per watched
// track and, on a timer, hands each track's RMS level (0…1; 0 while the
// track is muted or ended) to a callback. Nothing is connected to the
// speakers: playback is the <audio> elements' job. `SpeakingMeter` turns the
// levels into `speaking` with hysteresis (on above a threshold, off after
// 600 ms below it) so the outline does not flicker.

const ON_LEVEL = 0.035;
const HOLD_MS = 600;

/** The RMS of a buffer of samples (-1…1). */
export function rms(samples) {
  if (!samples.length) return 0;
  let sum = 0;
  for (const value of samples) sum += value * value;
  return Math.sqrt(sum / samples.length);
}

/**
 * Hysteresis for one track: `{speaking, lastLoud}` after a level read at
 * `now` (ms). Speaking starts with a level above ON_LEVEL and lasts HOLD_MS
 * after the last one.
 */
export function nextSpeaking({ lastLoud }, level, now) {
  const loud = level > ON_LEVEL ? now : lastLoud;
  return { speaking: now - loud < HOLD_MS, lastLoud: loud };
}

export class AudioLevels {
  /**
   * @param intervalMs how often to read the levels
   * @param onLevel    (key, level) => void, for every watched track at every read
   */
  constructor({ intervalMs, onLevel }) {
    this.intervalMs = intervalMs;
    this.onLevel = onLevel;
    this.context = null;
    this.resuming = false;
    this.watched = new Map();
    this.timer = null;
  }

  /** Watches `track` under `key`; replaces an earlier track of that key (null: stop). */
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
    } catch (error) {
      console.warn('no audio level for', key, error);
      return;
    }
    const analyser = context.createAnalyser();
    analyser.fftSize = 512;
    source.connect(analyser);
    this.watched.set(key, { track, source, analyser, buffer: new Float32Array(analyser.fftSize) });
    if (!this.timer) this.timer = setInterval(() => this.read(), this.intervalMs);
  }

  /** Stops watching `key`; true when it was watched. */
  unwatch(key) {
    const entry = this.watched.get(key);
    if (!entry) return false;
    entry.source.disconnect();
    this.watched.delete(key);
    if (this.watched.size === 0) { clearInterval(this.timer); this.timer = null; }
    return true;
  }

  /** Browsers start audio contexts suspended until a user gesture; call from one (also tried at every read). */
  resume() {
    if (!this.context || this.context.state !== 'suspended' || this.resuming) return;
    this.resuming = true;
    this.context.resume()
      .catch((error) => console.warn('audio levels: the audio context did not resume', error))
      .finally(() => { this.resuming = false; });
  }

  close() {
    for (const key of [...this.watched.keys()]) this.unwatch(key);
    if (this.context) this.context.close().catch((error) => console.warn('audio levels: closing the audio context failed', error));
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

  read() {
    this.resume();
    for (const [key, entry] of this.watched) {
      let level = 0;
      if (entry.track.enabled && entry.track.readyState === 'live') {
        entry.analyser.getFloatTimeDomainData(entry.buffer);
        level = rms(entry.buffer);
      }
      this.onLevel(key, level);
    }
  }
}

/** Speaking indicators: `onChange(key, speaking)` when a watched track starts or stops speaking. */
export class SpeakingMeter {
  constructor(onChange) {
    this.onChange = onChange;
    this.states = new Map();
    this.levels = new AudioLevels({ intervalMs: 100, onLevel: (key, level) => this.update(key, level) });
  }

  watch(key, track) {
    const existing = this.levels.watched.get(key);
    if (existing && existing.track === track) return;
    this.unwatch(key);
    this.levels.watch(key, track);
    if (this.levels.watched.has(key)) this.states.set(key, { speaking: false, lastLoud: 0 });
  }

  unwatch(key) {
    const state = this.states.get(key);
    this.states.delete(key);
    this.levels.unwatch(key);
    if (state && state.speaking) this.onChange(key, false);
  }

  resume() { this.levels.resume(); }

  close() {
    for (const key of [...this.states.keys()]) this.unwatch(key);
    this.levels.close();
  }

  update(key, level) {
    const before = this.states.get(key);
    if (!before) return;
    const after = nextSpeaking(before, level, performance.now());
    this.states.set(key, after);
    if (after.speaking !== before.speaking) this.onChange(key, after.speaking);
  }
}
