// The pre-join microphone check: one AudioContext and one AnalyserNode on
// the microphone the person is about to join with, read on a timer into the
// level meter next to the preview. Nothing is connected to the speakers.
//
// In the meeting, who speaks comes from the server (`active-speakers`,
// built from the audio-level header extension the browser already sends,
// see room-state.js): no audio is analysed in the page per track any more.

/** The RMS of a buffer of samples (-1…1). */
export function rms(samples) {
  if (!samples.length) return 0;
  let sum = 0;
  for (const value of samples) sum += value * value;
  return Math.sqrt(sum / samples.length);
}

export class MicCheck {
  /**
   * @param track      the microphone track
   * @param intervalMs how often to read the level
   * @param onLevel    (level 0…1) => void at every read; 0 while the track is muted or ended
   */
  constructor({ track, intervalMs, onLevel }) {
    this.track = track;
    this.onLevel = onLevel;
    const Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) return;
    try {
      this.context = new Context();
      this.source = this.context.createMediaStreamSource(new MediaStream([track]));
    } catch (error) {
      console.warn('no microphone level', error);
      this.close();
      return;
    }
    this.analyser = this.context.createAnalyser();
    this.analyser.fftSize = 512;
    this.source.connect(this.analyser);
    this.buffer = new Float32Array(this.analyser.fftSize);
    this.timer = setInterval(() => this.read(), intervalMs);
  }

  read() {
    // Browsers start audio contexts suspended until a user gesture.
    if (this.context.state === 'suspended') this.context.resume().catch(() => {});
    let level = 0;
    if (this.track.enabled && this.track.readyState === 'live') {
      this.analyser.getFloatTimeDomainData(this.buffer);
      level = rms(this.buffer);
    }
    this.onLevel(level);
  }

  close() {
    clearInterval(this.timer);
    this.timer = null;
    if (this.source) this.source.disconnect();
    if (this.context) this.context.close().catch((error) => console.warn('mic check: closing the audio context failed', error));
    this.context = null;
    this.source = null;
  }
}
