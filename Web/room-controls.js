// The meeting screen's chrome: control buttons, connection status, the
// end-meeting confirmation, and rendering the room's state into the grid
// and the side panel.

import { attachmentButton } from './attachments.js';
import { $, announce, idKey, showScreen, toast } from './dom.js';
import { GridPager } from './grid-pager.js';
import { SidePanel } from './panels.js';
import { TileGrid } from './tiles.js';

export class RoomControls {
  constructor(room) {
    this.room = room;
    this.abort = new AbortController();
    this.grid = new TileGrid($('#grid'));
    /** Last-N: the grid's pages and the `video-preferences` for the one shown. */
    this.pager = new GridPager({ grid: this.grid, send: (body) => room.sendVideoPreferences(body), signal: this.abort.signal });
    /** Speaker view: the top speaker's tile is the big one (a choice of this page, not the room's). */
    this.speakerView = false;
    this.panel = new SidePanel({
      send: (body, to) => room.sendChat(body, to),
      attachment: (file) => attachmentButton(file, (chosen) => room.attachments.download(chosen)),
      admit: (id) => room.admit(id),
      deny: (id) => room.deny(id),
      mute: (id, kind) => room.mute(id, kind),
      kick: (id) => room.kick(id),
    }, this.abort.signal);
    const on = (selector, handler) => $(selector).addEventListener('click', handler, { signal: this.abort.signal });
    on('#ctl-mic', () => room.toggleMic());
    on('#ctl-camera', () => room.toggleCamera());
    on('#ctl-screen', () => room.setScreen(!room.media.screen));
    on('#ctl-hand', () => room.toggleHand());
    for (const button of document.querySelectorAll('#reactions button[data-emoji]')) {
      button.addEventListener('click', () => room.react(button.dataset.emoji));
    }
    on('#ctl-view', () => this.setSpeakerView(!this.speakerView));
    on('#ctl-leave', () => room.leave());
    on('#ctl-end', () => { $('#end-confirm').hidden = false; $('#end-yes').focus(); });
    on('#end-no', () => { $('#end-confirm').hidden = true; $('#ctl-end').focus(); });
    on('#end-yes', () => { $('#end-confirm').hidden = true; room.endMeeting(); });
    on('#copy-link', () => copy(room.link));
    $('#end-confirm').addEventListener('keydown', (event) => {
      if (event.key === 'Escape') { $('#end-confirm').hidden = true; $('#ctl-end').focus(); }
    }, { signal: this.abort.signal });
  }

  /** Shows the meeting screen (first join or admission). */
  enter() {
    this.grid.clear();
    this.panel.reset();
    $('#meeting-title').textContent = this.room.meeting.title || `Meeting ${this.room.code}`;
    $('#e2ee-badge').hidden = !this.room.e2ee;
    document.title = `${this.room.meeting.title || this.room.code} · Meet`;
    showScreen('meeting');
    this.render();
    this.room.showLocal();
  }

  /** Re-renders people-dependent parts from the room's state. */
  render() {
    const room = this.room;
    const people = [...room.participants.values()].sort((a, b) => {
      if (idKey(a.id) === room.me) return -1;
      if (idKey(b.id) === room.me) return 1;
      return a.displayName.localeCompare(b.displayName);
    });
    const me = room.participants.get(room.me);
    if (me) {
      // Our own tile reflects local truth immediately, before the server echoes it.
      me.media = { ...(me.media || {}), mic: !!(room.media.mic && room.media.micOn),
        camera: !!(room.media.camera && room.media.cameraOn), screen: !!room.media.screen };
      me.handRaised = room.handRaised;
    }
    this.grid.render(people, room.me);
    this.pager.layout(people, { me: room.me, tracks: room.state.tracks, rerender: () => this.render() });
    this.renderSpeakers();
    this.panel.renderPeople({
      people, waiting: [...room.waiting.values()], meKey: room.me, isHost: room.isHost, e2ee: !!room.e2ee,
    });
    this.renderButtons();
  }

  /** Speaking outlines and, in the speaker view, the featured tile. */
  renderSpeakers() {
    const { speakers, featured } = this.room;
    this.grid.setSpeakers(speakers, this.speakerView ? featured : null);
    this.pager.speakers(speakers);
  }

  setSpeakerView(on) {
    this.speakerView = on;
    $('#grid').classList.toggle('speaker-view', on);
    this.renderSpeakers();
    this.renderButtons();
  }

  renderButtons() {
    const { media, isHost, handRaised } = this.room;
    setToggle('#ctl-mic', media.micOn && !!media.mic, 'Mute microphone', 'Unmute microphone', !media.mic);
    setToggle('#ctl-camera', media.cameraOn && !!media.camera, 'Turn camera off', 'Turn camera on', !media.camera);
    setToggle('#ctl-screen', !!media.screen, 'Stop sharing', 'Share screen', false);
    setToggle('#ctl-hand', handRaised, 'Lower hand', 'Raise hand', false);
    setToggle('#ctl-view', this.speakerView, 'Grid view', 'Speaker view', false);
    $('#ctl-end').hidden = !isHost;
    $('#recording').hidden = !this.room.recording;
  }

  setConnection(state, attempt) {
    const el = $('#connection');
    const words = {
      connecting: 'Connecting…', open: 'Connected', reconnecting: `Reconnecting${attempt > 1 ? ` (try ${attempt})` : ''}…`, closed: '',
    };
    el.textContent = words[state] ?? '';
    el.classList.toggle('bad', state === 'reconnecting');
  }

  /** Detaches the controls (the room is over). */
  leave() {
    this.abort.abort();
    this.pager.stop();
    this.grid.clear();
    $('#grid').classList.remove('speaker-view');
    this.panel.show(null);
    $('#end-confirm').hidden = true;
  }
}

function setToggle(selector, on, onLabel, offLabel, disabled) {
  const button = $(selector);
  // The label says what a press does (no aria-pressed: a changing label and a
  // pressed state together would contradict each other for screen readers).
  button.textContent = on ? onLabel : offLabel;
  button.dataset.on = String(on);
  button.disabled = disabled;
}

export async function copy(text) {
  try {
    await navigator.clipboard.writeText(text);
    announce('Link copied.');
  } catch {
    toast(text);
  }
}
