// Pages the video grid (3 × 3 or 4 × 4 by window size) and asks the server
// for exactly the videos on the page (`video-preferences`, docs/signaling.md
// "Last-N"); tiles whose video the server does not forward show the avatar.
// Every participant keeps a tile (hidden when off the page) so that their
// audio, which plays through the tile, is heard on every page.
// The page math lives in paging.js (tested with `node --test`).

import { $, idKey } from './dom.js';
import {
  PreferenceThrottle, forwardedKeys, orderPeople, pageOf, pageSize, tileHeight, videoPreferences,
} from './paging.js';

/** How often at most a recent speaker may reorder the grid (tiles must not jump). */
const REORDER_MS = 3000;

export class GridPager {
  /** `send(body)`: sends `video-preferences`, resolves with the reply's data (`video-selection`). */
  constructor({ grid, send, signal }) {
    this.grid = grid;
    this.send = send;
    this.page = 0;
    this.spokeAt = new Map();
    this.orderedAt = 0;
    this.onPage = new Set();
    this.throttle = new PreferenceThrottle(250);
    this.timer = null;
    this.body = null;
    $('#page-prev').addEventListener('click', () => this.turn(-1), { signal });
    $('#page-next').addEventListener('click', () => this.turn(1), { signal });
    window.addEventListener('resize', () => this.relayout && this.relayout(), { signal });
  }

  /**
   * Orders `people` for the grid and shows the current page of them.
   * `tracks`: key → the participant's published tracks. Returns the order.
   */
  layout(people, { me, tracks, rerender }) {
    this.relayout = rerender;
    const screens = new Set([...tracks].filter(([, list]) => list.some((t) => t.kind === 'screen')).map(([key]) => key));
    const ordered = orderPeople(people, { me, spokeAt: this.spokeAt, screens, key: (p) => idKey(p.id) });
    this.orderedAt = Date.now();
    const { items, page, pages } = pageOf(ordered, this.page, pageSize(window.innerWidth, window.innerHeight));
    this.page = page;
    this.onPage = new Set(items.map((p) => idKey(p.id)));
    this.grid.showPage(this.onPage, ordered.map((p) => idKey(p.id)));
    $('#pager').hidden = pages <= 1;
    $('#page-label').textContent = `Page ${page + 1} of ${pages}`;
    $('#page-prev').disabled = page === 0;
    $('#page-next').disabled = page >= pages - 1;
    this.prefer(items.filter((p) => idKey(p.id) !== me), tracks);
    return ordered;
  }

  /** `active-speakers`: remembers who spoke; a speaker off the page brings a reorder (at most every few seconds). */
  speakers(speakers) {
    const now = Date.now();
    for (const key of speakers.keys()) this.spokeAt.set(key, now);
    const offPage = [...speakers.keys()].some((key) => !this.onPage.has(key));
    if (offPage && now - this.orderedAt >= REORDER_MS && this.relayout) this.relayout();
  }

  /** `video-selection` (reply or event): avatars for the tiles not forwarded. */
  selection(data) {
    this.grid.setForwarded(forwardedKeys(data));
  }

  /** The socket reconnected: the preference is sent again whole (the server keeps none across sockets). */
  reconnected() {
    this.throttle.reset();
    if (this.body) this.offer(this.body);
  }

  turn(step) {
    this.page += step;
    if (this.relayout) this.relayout();
  }

  prefer(people, tracks) {
    const tiles = [];
    for (const person of people) {
      const key = idKey(person.id);
      for (const track of tracks.get(key) || []) {
        if (track.kind !== 'camera' && track.kind !== 'screen') continue;
        const el = this.grid.element(track.kind === 'screen' ? `${key}:screen` : key);
        tiles.push({ participantId: person.id, source: track.kind, height: tileHeight(el ? el.clientHeight : 180, window.devicePixelRatio || 1) });
      }
    }
    this.offer(videoPreferences(tiles));
  }

  offer(body) {
    this.body = body;
    const { send, waitMs } = this.throttle.offer(body, Date.now());
    if (send) this.deliver(send);
    if (waitMs !== undefined) {
      clearTimeout(this.timer);
      this.timer = setTimeout(() => {
        const pending = this.throttle.flush(Date.now());
        if (pending) this.deliver(pending);
      }, waitMs);
    }
  }

  deliver(body) {
    this.send(body).then((data) => { if (data) this.selection(data); }).catch((error) => {
      // Refused or not connected: the next change (or reconnect) sends it again.
      this.throttle.reset();
      if (error && error.code !== 'disconnected') console.warn('video-preferences not applied', error);
    });
  }

  stop() {
    clearTimeout(this.timer);
    this.relayout = null;
  }
}
