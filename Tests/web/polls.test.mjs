// Polls and Q&A views (Web/polls.js): replicas publish concurrently, so the
// newest revision of a view wins, and the viewer's own vote survives a room
// event that does not carry it.
import assert from 'node:assert/strict';
import test from 'node:test';

import { keepNewest } from '../../Web/polls.js';

test('an older revision never replaces a newer one', () => {
  const polls = new Map();
  assert.equal(keepNewest(polls, { id: 'P', revision: 3, counts: [1, 2] }), true);
  assert.equal(keepNewest(polls, { id: 'p', revision: 2, counts: [1, 1] }), false);
  assert.deepEqual(polls.get('p').counts, [1, 2]);
  assert.equal(keepNewest(polls, { id: 'p', revision: 4, state: 'closed', counts: [2, 2] }), true);
  assert.equal(polls.get('p').state, 'closed');
});

test("the viewer's choices and upvote stay when an event without them follows", () => {
  const polls = new Map();
  keepNewest(polls, { id: 'p', revision: 2, yourChoices: [1] });
  keepNewest(polls, { id: 'p', revision: 3 });
  assert.deepEqual(polls.get('p').yourChoices, [1]);
  const questions = new Map();
  keepNewest(questions, { id: 'q', revision: 2, votes: 1, youVoted: true });
  keepNewest(questions, { id: 'q', revision: 3, votes: 2 });
  assert.equal(questions.get('q').youVoted, true);
  assert.equal(questions.get('q').votes, 2);
});
