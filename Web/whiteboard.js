// The whiteboard panel (docs/signaling.md, Whiteboard; docs/web-client.md):
// a shared canvas drawn from the board's ops in their `seq` order.
//
// Every op (stroke, line, rect, ellipse, text, erase, and the hosts' clear,
// lock, unlock) goes to the server as `whiteboard-op`; the server gives it
// its `seq` and sends it to everyone, us included, as a `whiteboard-op`
// event. Nothing is drawn before that event: the board is only ever what the
// ops make it, in one order, so every browser shows the same board. After
// `joined` (and every reconnect) `whiteboard-sync` fetches what we missed;
// a gap in the `seq`s fetches again. Export: SVG from the server (REST),
// PNG from this canvas (canvas.toBlob).

import { $ } from './dom.js';

export const WIDTH = 1600;
export const HEIGHT = 900;
const MAX_POINTS = 500;
const MAX_PENDING = 1024;

/** The fold of MeetProtocol's WhiteboardBoard: ops applied in `seq` order, later ones held until a gap fills. */
export class Board {
  constructor() { this.items = []; this.locked = false; this.seq = 0; this.pending = new Map(); }

  /** A `whiteboard-state`: starts over (`full`) or continues; its ops are complete up to its `seq`. */
  load(state) {
    if (state.full) { this.items = []; this.seq = 0; }
    for (const event of state.ops) if (event.seq > this.seq) this.apply(event);
    this.seq = Math.max(this.seq, state.seq);
    this.locked = state.locked;
    this.drain();
  }

  /** One `whiteboard-op` event; returns true when a gap was seen (sync since `seq`). */
  receive(event) {
    if (event.seq <= this.seq) return false;
    if (event.seq !== this.seq + 1) {
      this.pending.set(event.seq, event);
      if (this.pending.size > MAX_PENDING) this.pending.delete(Math.max(...this.pending.keys()));
      return true;
    }
    this.apply(event);
    this.drain();
    return this.pending.size > 0;
  }

  drain() {
    while (this.pending.has(this.seq + 1)) {
      const next = this.pending.get(this.seq + 1);
      this.pending.delete(this.seq + 1);
      this.apply(next);
    }
    for (const seq of [...this.pending.keys()]) if (seq <= this.seq) this.pending.delete(seq);
  }

  apply(event) {
    this.seq = event.seq;
    const { kind, target } = event.op;
    if (kind === 'erase') this.items = this.items.filter((item) => item.seq !== target);
    else if (kind === 'clear') this.items = [];
    else if (kind === 'lock' || kind === 'unlock') this.locked = kind === 'lock';
    else this.items.push(event);
  }
}

/** Draws one item on a 2D context of the board's size. */
function draw(context, op) {
  const p = op.points || [];
  context.strokeStyle = op.color || '#000000';
  context.fillStyle = op.color || '#000000';
  context.lineWidth = op.width || 3;
  context.lineCap = 'round';
  context.lineJoin = 'round';
  context.beginPath();
  if (op.kind === 'stroke' || op.kind === 'line') {
    context.moveTo(p[0], p[1]);
    for (let i = 2; i + 1 < p.length; i += 2) context.lineTo(p[i], p[i + 1]);
    context.stroke();
  } else if (op.kind === 'rect') {
    context.strokeRect(Math.min(p[0], p[2]), Math.min(p[1], p[3]), Math.abs(p[2] - p[0]), Math.abs(p[3] - p[1]));
  } else if (op.kind === 'ellipse') {
    context.ellipse((p[0] + p[2]) / 2, (p[1] + p[3]) / 2, Math.abs(p[2] - p[0]) / 2, Math.abs(p[3] - p[1]) / 2, 0, 0, 2 * Math.PI);
    context.stroke();
  } else if (op.kind === 'text') {
    context.font = `${op.size || 24}px sans-serif`;
    context.fillText(op.text, p[0], p[1]);
  }
}

/** Whether the point is near the item (for erase): within its bounding box, a few pixels out. */
function hits(op, x, y) {
  const p = op.points || [];
  const xs = p.filter((_, i) => i % 2 === 0);
  const ys = p.filter((_, i) => i % 2 === 1);
  const slack = 8 + (op.width || 3);
  let right = Math.max(...xs);
  let top = Math.min(...ys);
  if (op.kind === 'text') { right += (op.text || '').length * (op.size || 24) * 0.6; top -= op.size || 24; }
  return x >= Math.min(...xs) - slack && x <= right + slack && y >= top - slack && y <= Math.max(...ys) + slack;
}

export class Whiteboard {
  /** room: the Room (its signaling, code, ticket, isHost, reportError). */
  constructor(room) {
    this.room = room;
    this.board = new Board();
    this.panel = $('#whiteboard');
    this.canvas = $('#wb-canvas');
    this.context = this.canvas.getContext('2d');
    this.stroke = null;
    this.syncing = false;
    const options = { signal: room.detach.signal };
    const on = (selector, handler) => $(selector).addEventListener('click', handler, options);
    on('#ctl-board', () => this.toggle());
    on('#wb-clear', () => this.send({ kind: 'clear' }));
    on('#wb-lock', () => this.send({ kind: this.board.locked ? 'unlock' : 'lock' }));
    on('#wb-svg', () => this.exportSVG());
    on('#wb-png', () => this.exportPNG());
    this.canvas.addEventListener('pointerdown', (event) => this.down(event), options);
    this.canvas.addEventListener('pointermove', (event) => this.move(event), options);
    this.canvas.addEventListener('pointerup', (event) => this.up(event), options);
    this.render();
  }

  toggle() {
    this.panel.hidden = !this.panel.hidden;
    $('#ctl-board').setAttribute('aria-expanded', String(!this.panel.hidden));
    this.render();
  }

  /** Joined or reconnected: fetch what we missed (all of it the first time). */
  joined() { this.sync(this.board.seq > 0 ? this.board.seq : null); }

  /** A `whiteboard-op` event. */
  receive(event) {
    if (this.board.receive(event)) this.sync(this.board.seq);
    this.render();
  }

  /** One sync at a time; ops held past a gap that a reply read too early to cover fetch once more. */
  async sync(since, again = true) {
    if (this.syncing) return;
    this.syncing = true;
    try {
      const reply = await this.room.signaling.request('whiteboard-sync', since == null ? {} : { since });
      if (reply.type === 'whiteboard-state') this.board.load(reply.data);
    } catch (error) {
      if (error.code !== 'disconnected') console.warn('whiteboard sync', error);
    } finally {
      this.syncing = false;
      this.render();
    }
    if (again && this.board.pending.size > 0) this.sync(this.board.seq, false);
  }

  /** One op; the board changes when its event comes back (a refusal is shown). */
  send(op) { return this.room.command('whiteboard-op', op); }

  /** Pointer position in board coordinates (integers on the 1600 × 900 board). */
  point(event) {
    const box = this.canvas.getBoundingClientRect();
    const x = Math.round(((event.clientX - box.left) / box.width) * WIDTH);
    const y = Math.round(((event.clientY - box.top) / box.height) * HEIGHT);
    return [Math.min(WIDTH, Math.max(0, x)), Math.min(HEIGHT, Math.max(0, y))];
  }

  tool() { return $('#wb-tool').value; }
  style() { return { color: $('#wb-color').value, width: Number($('#wb-width').value) || 3 }; }

  down(event) {
    const [x, y] = this.point(event);
    const tool = this.tool();
    if (tool === 'erase') {
      const hit = [...this.board.items].reverse().find((item) => hits(item.op, x, y));
      if (hit) this.send({ kind: 'erase', target: hit.seq });
      return;
    }
    if (tool === 'text') {
      const text = window.prompt('Text');
      if (text && text.trim()) this.send({ kind: 'text', points: [x, y], text: text.slice(0, 500), color: this.style().color, size: 24 });
      return;
    }
    this.canvas.setPointerCapture(event.pointerId);
    this.stroke = { kind: tool, points: [x, y] };
  }

  move(event) {
    if (!this.stroke) return;
    const [x, y] = this.point(event);
    if (this.stroke.kind === 'stroke') {
      if (this.stroke.points.length < MAX_POINTS * 2) this.stroke.points.push(x, y);
    } else {
      this.stroke.points = [this.stroke.points[0], this.stroke.points[1], x, y];
    }
    this.render();
  }

  up(event) {
    if (!this.stroke) return;
    const [x, y] = this.point(event);
    const op = { ...this.stroke, ...this.style() };
    this.stroke = null;
    if (op.kind !== 'stroke') op.points = [op.points[0], op.points[1], x, y];
    else if (op.points.length < 4) op.points.push(x, y);
    this.send(op);
    this.render();
  }

  /** The host-only buttons and the lock badge, as the role and the board are now. */
  renderControls() {
    const host = this.room.isHost;
    $('#wb-clear').hidden = !host;
    $('#wb-lock').hidden = !host;
    $('#wb-lock').textContent = this.board.locked ? 'Unlock' : 'Lock';
    $('#wb-locked').hidden = !this.board.locked;
  }

  render() {
    this.renderControls();
    if (this.panel.hidden) return;
    const context = this.context;
    context.fillStyle = '#ffffff';
    context.fillRect(0, 0, WIDTH, HEIGHT);
    for (const item of this.board.items) draw(context, item.op);
    if (this.stroke) draw(context, { ...this.stroke, ...this.style() });
  }

  /** The server draws the SVG from the stored ops (REST, with our join token). */
  async exportSVG() {
    try {
      const response = await fetch(`/v1/meetings/${encodeURIComponent(this.room.code)}/whiteboard.svg`, {
        headers: { Authorization: `Bearer ${this.room.signaling.ticket.joinToken}` }, credentials: 'omit',
      });
      if (!response.ok) throw new Error(`export failed (${response.status})`);
      this.download(await response.blob(), 'svg');
    } catch (error) {
      this.room.reportError(error);
    }
  }

  /** PNG is drawn here, from this canvas: the same ops, rendered by the browser. */
  exportPNG() {
    this.render();
    this.canvas.toBlob((blob) => { if (blob) this.download(blob, 'png'); }, 'image/png');
  }

  download(blob, extension) {
    const link = document.createElement('a');
    link.href = URL.createObjectURL(blob);
    link.download = `meet-${this.room.code}-whiteboard.${extension}`;
    link.click();
    setTimeout(() => URL.revokeObjectURL(link.href), 10000);
  }
}
