// Polls (docs/signaling.md, Polls and Q&A): hosts create, launch and close;
// everyone votes (and may change the vote until the close). The server
// sends each viewer only what it may see: hosts the live tally, others the
// results once closed. Views carry a `revision`; replicas publish
// concurrently, so the newest revision wins.

import { $, h } from './dom.js';

/** Keeps `view` in `map` (id → view) unless a newer revision is there; true when kept. */
export function keepNewest(map, view) {
  const key = String(view.id).toLowerCase();
  const known = map.get(key);
  if (known && known.revision > view.revision) return false;
  // A reply with the viewer's own choices/vote keeps them when a room event (without) follows.
  map.set(key, { ...view, yourChoices: view.yourChoices ?? known?.yourChoices, youVoted: view.youVoted ?? known?.youVoted });
  return true;
}

export class PollsPanel {
  /** room: the Room (request via `room.signaling`, `room.isHost`, `room.reportError`). */
  constructor(room, signal) {
    this.room = room;
    this.polls = new Map();
    this.panel = $('#polls-panel');
    this.list = $('#polls-list');
    $('#ctl-polls').addEventListener('click', () => { this.panel.hidden = !this.panel.hidden; this.render(); }, { signal });
    $('#poll-form').addEventListener('submit', (event) => { event.preventDefault(); this.create(); }, { signal });
  }

  /** A `poll` event: kept and shown. Returns true when it was one. */
  handles(message) {
    if (message.type !== 'poll') return false;
    if (keepNewest(this.polls, message.data)) this.render();
    return true;
  }

  /** `engagement`'s polls (a join or a resume). */
  load(views) {
    for (const view of views) keepNewest(this.polls, view);
    this.render();
  }

  async request(type, data) {
    try {
      const reply = await this.room.signaling.request(type, data);
      if (reply.type === 'poll') this.handles(reply);
      return true;
    } catch (error) {
      this.room.reportError(error);
      return false;
    }
  }

  async create() {
    const question = $('#poll-question').value.trim();
    const options = $('#poll-options').value.split('\n').map((line) => line.trim()).filter(Boolean);
    const data = { question, options, multiple: $('#poll-multiple').checked, anonymous: $('#poll-anonymous').checked };
    if (await this.request('poll-create', data)) $('#poll-form').reset();
  }

  render() {
    $('#poll-form').hidden = !this.room.isHost;
    const polls = [...this.polls.values()].sort((a, b) => String(a.createdAt).localeCompare(String(b.createdAt)));
    this.list.replaceChildren(...polls.map((poll) => this.item(poll)));
  }

  item(poll) {
    const mine = new Set(poll.yourChoices || []);
    const name = `poll-${poll.id}`;
    const options = poll.options.map((option, index) => h('li', {},
      poll.state === 'open'
        ? h('label', {}, h('input', { type: poll.multiple ? 'checkbox' : 'radio', name, value: String(index), checked: mine.has(index) }), ` ${option}`)
        : option,
      poll.counts ? h('span', { className: 'poll-count', text: ` ${poll.counts[index]}` }) : null,
      poll.voters && poll.voters[index].length ? h('small', { text: ` (${poll.voters[index].length} named)` }) : null));
    const item = h('li', { className: `poll poll-${poll.state}`, dataset: { pollId: String(poll.id).toLowerCase() } },
      h('p', { className: 'poll-question' }, poll.question, h('small', { text: ` ${poll.state}${poll.anonymous ? ', anonymous' : ''}` })),
      h('ol', { className: 'poll-options' }, options),
      poll.voterCount !== undefined ? h('p', { className: 'poll-total', text: `${poll.voterCount} voted` }) : null);
    if (poll.state === 'open') {
      item.append(h('button', { type: 'button', className: 'small', onclick: () => {
        const choices = [...item.querySelectorAll(`input[name="${name}"]:checked`)].map((input) => Number(input.value));
        this.request('poll-vote', { pollId: poll.id, choices });
      } }, mine.size ? 'Change vote' : 'Vote'));
    }
    if (this.room.isHost && poll.state === 'draft') {
      item.append(h('button', { type: 'button', className: 'small', onclick: () => this.request('poll-launch', { pollId: poll.id }) }, 'Launch'));
    }
    if (this.room.isHost && poll.state === 'open') {
      item.append(h('button', { type: 'button', className: 'small', onclick: () => this.request('poll-close', { pollId: poll.id }) }, 'Close'));
    }
    return item;
  }
}
