// The video grid: one tile per participant (camera or avatar, name, mic and
// camera state, raised hand, speaking outline) and one more per shared screen;
// in the speaker view the top speaker's tile is the big one.
// Tiles are list items whose accessible name says all of that in words.

import { h, hueFor, idKey, initials } from './dom.js';

export class TileGrid {
  constructor(root) {
    this.root = root;
    this.tiles = new Map();
  }

  clear() {
    for (const key of [...this.tiles.keys()]) this.removeTile(key);
  }

  /** Makes the grid show exactly `people` (ordered), each with its participant data. */
  render(people, meKey) {
    const wanted = new Set();
    for (const person of people) {
      const key = idKey(person.id);
      wanted.add(key);
      const tile = this.tiles.get(key) || this.createTile(key, person, key === meKey);
      this.update(tile, person, key === meKey);
    }
    for (const key of [...this.tiles.keys()]) {
      const owner = key.endsWith(':screen') ? key.slice(0, -7) : key;
      if (!wanted.has(owner)) this.removeTile(key);
    }
  }

  /** Camera video, screen video and audio of one participant ({camera, screen, mic}: MediaStreams or undefined). */
  setStreams(participantId, streams, { local = false } = {}) {
    const key = idKey(participantId);
    const tile = this.tiles.get(key);
    if (!tile) return;
    setSource(tile.video, streams.camera || null);
    tile.hasVideo = !!streams.camera;
    if (!local) setSource(tile.audio, streams.mic || null);
    this.refreshAvatar(tile);
    const screenKey = `${key}:screen`;
    if (streams.screen) {
      let screen = this.tiles.get(screenKey);
      if (!screen) {
        const video = h('video', { autoplay: true, playsinline: true, className: 'screen' });
        video.muted = true;
        const label = h('span', { className: 'name' });
        const el = h('div', { className: 'tile screen', role: 'listitem', dataset: { participantId: key, kind: 'screen' } },
          video, h('div', { className: 'label' }, label));
        screen = { key: screenKey, el, video, label };
        this.tiles.set(screenKey, screen);
        this.root.prepend(el);
      }
      const name = tile.person ? tile.person.displayName : 'Someone';
      screen.label.textContent = local ? 'Your screen' : `${name}'s screen`;
      screen.el.setAttribute('aria-label', screen.label.textContent);
      screen.video.setAttribute('aria-label', screen.label.textContent);
      setSource(screen.video, streams.screen);
    } else if (this.tiles.has(screenKey)) {
      this.removeTile(screenKey);
    }
  }

  /**
   * The speaking outline on every tile in `speakers` (key → level, from
   * `active-speakers`), and `featured` (a key or null) as the big tile of
   * the speaker view (first in the grid, twice the size; see style.css).
   */
  setSpeakers(speakers, featured) {
    for (const tile of this.tiles.values()) {
      if (tile.key.endsWith(':screen')) continue;
      tile.el.classList.toggle('speaking', speakers.has(tile.key));
      tile.el.classList.toggle('featured', tile.key === featured);
    }
  }

  /**
   * Last-N paging (grid-pager.js): only tiles of `keys` are shown (screens
   * with their owner), in `order`; the others stay, hidden, so their audio plays.
   */
  showPage(keys, order) {
    const position = new Map(order.map((key, index) => [key, index]));
    for (const tile of this.tiles.values()) {
      const owner = tile.key.endsWith(':screen') ? tile.key.slice(0, -7) : tile.key;
      tile.el.hidden = !keys.has(owner);
      // A custom property, not an inline `order`, so the speaker view's rules (style.css) still win.
      if (!tile.key.endsWith(':screen')) tile.el.style.setProperty('--page-order', String(position.get(owner) ?? order.length));
    }
  }

  /** The videos the server forwards (`id:source` keys, from `video-selection`); the others show the avatar. */
  setForwarded(keys) {
    this.forwarded = keys;
    for (const tile of this.tiles.values()) this.refreshAvatar(tile);
  }

  /**
   * A reaction on `participantId`'s tile for `ms` (a few at once stack;
   * the oldest goes first past `max`), announced to screen readers too.
   */
  showReaction(participantId, emoji, { ms = 4000, max = 4 } = {}) {
    const tile = this.tiles.get(idKey(participantId));
    if (!tile) return false;
    const badge = h('span', { className: 'reaction', role: 'img', 'aria-label': `${tile.person?.displayName || 'Someone'} reacted ${emoji}`, text: emoji });
    tile.el.append(badge);
    const shown = tile.el.querySelectorAll('.reaction');
    if (shown.length > max) shown[0].remove();
    setTimeout(() => badge.remove(), ms);
    return true;
  }

  /** A tile's element (its measured size), or undefined. */
  element(key) {
    return this.tiles.get(key)?.el;
  }

  // MARK: Internals

  createTile(key, person, isMe) {
    const video = h('video', { autoplay: true, playsinline: true, className: 'camera' });
    video.muted = true; // sound plays through the <audio> element (never our own)
    const audio = h('audio', { autoplay: true });
    const avatarText = h('span', { 'aria-hidden': 'true' });
    avatarText.style.background = `hsl(${hueFor(key)} 55% 40%)`;
    const avatar = h('div', { className: 'avatar' }, avatarText);
    const name = h('span', { className: 'name' });
    const mic = h('span', { className: 'state off', 'aria-hidden': 'true' });
    const cam = h('span', { className: 'state off', 'aria-hidden': 'true' });
    const hand = h('span', { className: 'hand', 'aria-hidden': 'true', text: 'Hand raised' });
    const el = h('div', { className: `tile${isMe ? ' self' : ''}`, role: 'listitem', dataset: { participantId: key, kind: 'camera' } },
      video, avatar, audio, hand, h('div', { className: 'label' }, name, mic, cam));
    const tile = { key, el, video, audio, avatar, avatarText, name, mic, cam, hand, hasVideo: false, person };
    this.tiles.set(key, tile);
    if (isMe) this.root.prepend(el); else this.root.append(el);
    return tile;
  }

  update(tile, person, isMe) {
    tile.person = person;
    const media = person.media || {};
    const role = person.role === 'owner' ? 'host' : person.role === 'host' ? 'co-host' : null;
    tile.name.textContent = `${person.displayName}${isMe ? ' (you)' : ''}`;
    // Screen readers list the <video> itself too: it says whose camera it shows.
    tile.video.setAttribute('aria-label', isMe ? 'Your camera' : `Camera of ${person.displayName}`);
    tile.avatarText.textContent = initials(person.displayName);
    // Only what is off is shown (the words are in the tile's label for screen readers).
    tile.mic.textContent = 'Muted';
    tile.mic.hidden = !!media.mic;
    tile.cam.textContent = 'Camera off';
    tile.cam.hidden = !!media.camera;
    tile.hand.hidden = !person.handRaised;
    tile.cameraOn = !!media.camera;
    this.refreshAvatar(tile);
    const words = [
      `${person.displayName}${isMe ? ' (you)' : ''}`, role,
      media.mic ? 'microphone on' : 'microphone off', media.camera ? 'camera on' : 'camera off',
      person.handRaised ? 'hand raised' : null,
    ].filter(Boolean);
    tile.el.setAttribute('aria-label', words.join(', '));
  }

  refreshAvatar(tile) {
    if (tile.key.endsWith(':screen')) return;
    // Our own tile is local; before any `video-selection` everything is forwarded.
    const forwarded = tile.el.classList.contains('self') || !this.forwarded || this.forwarded.has(`${tile.key}:camera`);
    const showVideo = tile.hasVideo && tile.cameraOn !== false && forwarded;
    tile.avatar.hidden = showVideo;
    tile.video.style.visibility = showVideo ? 'visible' : 'hidden';
  }

  removeTile(key) {
    const tile = this.tiles.get(key);
    if (!tile) return;
    if (tile.video) tile.video.srcObject = null;
    if (tile.audio) tile.audio.srcObject = null;
    tile.el.remove();
    this.tiles.delete(key);
  }
}

function setSource(element, stream) {
  if (!element || element.srcObject === stream) return;
  element.srcObject = stream;
  if (stream) {
    const play = element.play();
    // Autoplay may wait for a gesture, and a new source interrupts a pending play: worth a debug line only.
    if (play && play.catch) play.catch((error) => console.debug('play() did not start', error.name));
  }
}
