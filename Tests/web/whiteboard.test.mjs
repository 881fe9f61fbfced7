// The web client's whiteboard fold (Web/whiteboard.js `Board`), the same
// rule as MeetProtocol's WhiteboardBoard: `node --test Tests/web`.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { Board } from '../../Web/whiteboard.js';

const stroke = (seq) => ({ seq, participantId: 'p', createdAt: '', op: { kind: 'stroke', points: [seq, 0, seq + 1, 1] } });
const op = (seq, kind, extra = {}) => ({ seq, participantId: 'p', createdAt: '', op: { kind, ...extra } });

const ops = [stroke(1), stroke(2), stroke(3), op(4, 'erase', { target: 2 }), op(5, 'lock'), stroke(6), op(7, 'clear'), stroke(8), stroke(9),
  op(10, 'erase', { target: 8 }), op(11, 'unlock')];

test('any delivery order, duplicates included, ends in the same board', () => {
  const reference = new Board();
  for (const event of ops) assert.equal(reference.receive(event), false);
  assert.deepEqual(reference.items.map((item) => item.seq), [9]);
  assert.equal(reference.locked, false);
  for (let round = 0; round < 100; round += 1) {
    const delivery = [...ops, ...ops.slice(0, round % 4)];
    for (let i = delivery.length - 1; i > 0; i -= 1) {
      const j = (i * 7 + round * 13) % (i + 1);
      [delivery[i], delivery[j]] = [delivery[j], delivery[i]];
    }
    const board = new Board();
    for (const event of delivery) board.receive(event);
    assert.deepEqual(board.items, reference.items);
    assert.equal(board.seq, 11);
    assert.equal(board.pending.size, 0);
  }
});

test('a gap asks for a sync, and the state fills it', () => {
  const board = new Board();
  assert.equal(board.receive(stroke(1)), false);
  assert.equal(board.receive(stroke(4)), true);
  board.load({ ops: [op(3, 'erase', { target: 2 })], seq: 3, locked: true, full: false });
  assert.deepEqual(board.items.map((item) => item.seq), [1, 4]);
  assert.equal(board.seq, 4);
  assert.equal(board.locked, true);
  board.load({ ops: [op(7, 'clear'), stroke(8)], seq: 9, locked: false, full: true });
  assert.deepEqual(board.items.map((item) => item.seq), [8]);
  assert.equal(board.seq, 9);
});
