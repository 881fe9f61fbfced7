// The pre-join microphone meter: the level (0…1) of one track, a few times a second.

export class MicLevel {
  constructor(track, onLevel) {
    const Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) return;
    this.context = new Context();
    const source = this.context.createMediaStreamSource(new MediaStream([track]));
    const analyser = this.context.createAnalyser();
    analyser.fftSize = 512;
    source.connect(analyser);
    const buffer = new Float32Array(analyser.fftSize);
    this.timer = setInterval(() => {
      if (this.context.state === 'suspended') this.context.resume().catch(() => {});
      analyser.getFloatTimeDomainData(buffer);
      let sum = 0;
      for (const value of buffer) sum += value * value;
      onLevel(track.enabled ? Math.min(1, Math.sqrt(sum / buffer.length) * 4) : 0);
    }, 150);
  }

  close() {
    clearInterval(this.timer);
    if (this.context) this.context.close().catch(() => {});
  }
}
