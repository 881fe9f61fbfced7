// Last-N paging for the video grid, pure (no DOM, no clock of its own):
// how many tiles a page holds, which people are on the current page, the
// `video-preferences` request that asks for exactly their videos
// (docs/signaling.md, "Last-N"), and which tiles get video according to
// the server's `video-selection`. Tests: Tests/web/paging.test.mjs.

/** Tiles per side: 3 × 3 under 1280 × 800 CSS pixels, else 4 × 4. */
export function gridSide(width, height) {
  return width < 1280 || height < 800 ? 3 : 4;
}

/** Tiles per page for a window of `width` × `height`. */
export function pageSize(width, height) {
  const side = gridSide(width, height);
  return side * side;
}

/**
 * Orders the grid's people: me first, then shared screens' owners, then
 * people who spoke recently (most recent first), then the rest by name.
 * `spokeAt`: key → when they were last a speaker (ms); `screens`: keys.
 */
export function orderPeople(people, { me, spokeAt = new Map(), screens = new Set(), key = (p) => p.id }) {
  const rank = (person) => {
    const k = key(person);
    if (k === me) return [0, 0];
    if (screens.has(k)) return [1, 0];
    if (spokeAt.has(k)) return [2, -spokeAt.get(k)];
    return [3, 0];
  };
  return [...people].sort((a, b) => {
    const [ra, sa] = rank(a);
    const [rb, sb] = rank(b);
    if (ra !== rb) return ra - rb;
    if (sa !== sb) return sa - sb;
    return (a.displayName || '').localeCompare(b.displayName || '');
  });
}

/** The page `page` (0-based, clamped) of `items`: {items, page, pages}. */
export function pageOf(items, page, size) {
  const pages = Math.max(1, Math.ceil(items.length / size));
  const current = Math.min(Math.max(0, page), pages - 1);
  return { items: items.slice(current * size, current * size + size), page: current, pages };
}

/** Rounds a tile's pixel height up to the sizes the server knows (180/360/720/1080). */
export function tileHeight(cssHeight, devicePixelRatio = 1) {
  const pixels = Math.ceil(cssHeight * devicePixelRatio);
  for (const step of [180, 360, 720]) if (pixels <= step) return step;
  return 1080;
}

/**
 * The `video-preferences` body for the tiles on screen. Grid view: every
 * video on the page, `limit` = their count. Speaker view: the big tile
 * (720) and the strip following speakers (180), `limit` = 1 + `strip`.
 * `tiles`: [{participantId, source, height}] in page order (me excluded).
 */
export function videoPreferences(tiles, { speakerView = false, strip = 4 } = {}) {
  if (speakerView) {
    const [big] = tiles;
    return {
      limit: 1 + strip,
      tiles: big ? [{ participantId: big.participantId, source: big.source, maxHeight: 720 }] : [],
      speakers: { follow: true, maxHeight: 180 },
    };
  }
  return {
    limit: tiles.length,
    tiles: tiles.map((t) => ({ participantId: t.participantId, source: t.source, maxHeight: t.height || 360 })),
    speakers: { follow: false, maxHeight: 0 },
  };
}

/** Whether two preference bodies ask for the same thing (no need to send again). */
export function samePreferences(a, b) {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Keys (`id:source`, ids lower case) of the videos in a `video-selection`. */
export function forwardedKeys(selection) {
  return new Set((selection?.forwarding || []).map((v) => `${String(v.participantId).toLowerCase()}:${v.source}`));
}

/**
 * At most one send per `intervalMs`: `offer(body, now)` says whether to
 * send now, or returns the delay after which `flush(now)` sends the latest
 * body. The caller owns the timer (tests pass the time).
 */
export class PreferenceThrottle {
  constructor(intervalMs = 250) {
    this.intervalMs = intervalMs;
    this.lastSentAt = -Infinity;
    this.sent = null;
    this.pending = null;
  }

  /** {send: body} to send now, {waitMs} to call flush later, or {} when nothing changed. */
  offer(body, now) {
    if (samePreferences(body, this.pending ?? this.sent)) return {};
    if (now - this.lastSentAt >= this.intervalMs) return { send: this.take(body, now) };
    const first = this.pending === null;
    this.pending = body;
    return first ? { waitMs: this.lastSentAt + this.intervalMs - now } : {};
  }

  /** The timer fired: the body to send, or null. */
  flush(now) {
    if (this.pending === null) return null;
    const body = this.pending;
    this.pending = null;
    return samePreferences(body, this.sent) ? null : this.take(body, now);
  }

  /** The socket reconnected: the next offer is sent whole. */
  reset() {
    this.sent = null;
    this.pending = null;
    this.lastSentAt = -Infinity;
  }

  take(body, now) {
    this.sent = body;
    this.pending = null;
    this.lastSentAt = now;
    return body;
  }
}
