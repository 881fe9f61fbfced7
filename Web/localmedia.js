// The person's own camera, microphone and screen.
//
// Turning the mic or camera off disables the track (the publisher keeps
// sending silence or black, so nothing is renegotiated and turning it back
// on is instant); the room tells everyone the state with `media`.
// Screen capture uses getDisplayMedia; tests may switch to a canvas
// animation (`meetTest.screenSource = 'canvas'`) where a headless browser
// cannot capture a screen.

export class LocalMedia extends EventTarget {
  constructor() {
    super();
    this.stream = new MediaStream();
    this.mic = null;
    this.camera = null;
    this.screen = null;
    this.screenStop = null;
    this.micOn = true;
    this.cameraOn = true;
    this.error = null;
  }

  /** Asks for camera and microphone; falls back to whichever one works. */
  async open() {
    const attempts = [{ audio: true, video: videoConstraints() }, { audio: true }, { video: videoConstraints() }];
    this.error = null;
    for (const constraints of attempts) {
      try {
        const stream = await navigator.mediaDevices.getUserMedia(constraints);
        this.adopt(stream);
        return this;
      } catch (error) {
        this.error = error;
      }
    }
    return this;
  }

  adopt(stream) {
    for (const track of stream.getTracks()) {
      if (track.kind === 'audio' && !this.mic) { this.mic = track; track.enabled = this.micOn; }
      if (track.kind === 'video' && !this.camera) { this.camera = track; track.enabled = this.cameraOn; }
    }
    this.stream = new MediaStream([this.mic, this.camera].filter(Boolean));
    this.emit();
  }

  /** A sentence about why devices are missing, or null. */
  describeProblem() {
    if (this.mic && this.camera) return null;
    const missing = !this.mic && !this.camera ? 'camera and microphone' : !this.mic ? 'microphone' : 'camera';
    const name = this.error && this.error.name;
    if (name === 'NotAllowedError') return `Access to your ${missing} was blocked. Allow it in the browser to be seen and heard.`;
    if (name === 'NotFoundError') return `No ${missing} found. You can still join and watch.`;
    return `Your ${missing} is not available. You can still join.`;
  }

  setMic(on) {
    this.micOn = on;
    if (this.mic) this.mic.enabled = on;
    this.emit();
  }

  setCamera(on) {
    this.cameraOn = on;
    if (this.camera) this.camera.enabled = on;
    this.emit();
  }

  /** Starts screen capture; resolves with the track (null when the person cancels). */
  async startScreen(source = 'display') {
    if (this.screen) return this.screen;
    let track;
    if (source === 'canvas') {
      const canvas = animatedCanvas();
      track = canvas.stream.getVideoTracks()[0];
      this.screenStop = canvas.stop;
    } else {
      const stream = await navigator.mediaDevices.getDisplayMedia({ video: { frameRate: 15 }, audio: false });
      track = stream.getVideoTracks()[0];
      this.screenStop = null;
    }
    track.contentHint = 'detail';
    // The browser's own "Stop sharing" button ends the track.
    track.addEventListener('ended', () => {
      if (this.screen === track) this.dispatchEvent(new CustomEvent('screenended'));
    });
    this.screen = track;
    this.emit();
    return track;
  }

  stopScreen() {
    if (!this.screen) return;
    this.screen.stop();
    if (this.screenStop) this.screenStop();
    this.screen = null;
    this.screenStop = null;
    this.emit();
  }

  stopAll() {
    this.stopScreen();
    for (const track of [this.mic, this.camera]) if (track) track.stop();
    this.mic = null;
    this.camera = null;
    this.stream = new MediaStream();
    this.emit();
  }

  emit() { this.dispatchEvent(new CustomEvent('change')); }
}

/** The camera's capture height by default: 1280×720, so its three simulcast layers are 180, 360 and 720 px. */
export const DEFAULT_CAMERA_HEIGHT = 720;

/**
 * The capture height asked for: `meetTest.cameraHeight` (from `?camera=`, or
 * set by a test before the page's scripts run) when it is a height from 90
 * to 2160, else `DEFAULT_CAMERA_HEIGHT`.
 */
export function cameraHeight(requested) {
  return validCameraHeight(requested) ?? DEFAULT_CAMERA_HEIGHT;
}

/** `value` as a capture height when it is a whole number from 90 to 2160 (a number or its text), else null. */
export function validCameraHeight(value) {
  if (value === null || value === undefined || value === '') return null;
  const height = Number(value);
  return Number.isInteger(height) && height >= 90 && height <= 2160 ? height : null;
}

function videoConstraints() {
  // Ideal values only: a camera that cannot give 1280×720 gives what it can
  // (Chromium then sends the simulcast layers that size allows: two at 360 px).
  const height = cameraHeight(window.meetTest && window.meetTest.cameraHeight);
  return { width: { ideal: Math.round((height * 16) / 9) }, height: { ideal: height }, frameRate: { ideal: 24 } };
}

/** A moving test pattern as a video track: the tests' stand-in for a screen. */
function animatedCanvas() {
  const canvas = document.createElement('canvas');
  canvas.width = 640;
  canvas.height = 360;
  const ctx = canvas.getContext('2d');
  let frame = 0;
  const draw = () => {
    frame += 1;
    ctx.fillStyle = '#1d3557';
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    ctx.fillStyle = '#f1faee';
    ctx.font = '32px sans-serif';
    ctx.fillText(`Shared screen ${frame}`, 40, 80);
    ctx.fillStyle = '#e63946';
    ctx.fillRect((frame * 7) % canvas.width, 160, 80, 80);
  };
  draw();
  const timer = setInterval(draw, 66);
  const stream = canvas.captureStream(15);
  return { stream, stop: () => clearInterval(timer) };
}
