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

/**
 * A panel of views of one event type (`poll` or `question`): shown and hidden
 * by its control button, fed by events, `engagement` and the replies to its
 * own requests, newest revision first. qa.js's panel is one too.
 */
export class LivePanel {
  /** room: the Room (`signaling`, `isHost`, `reportError`); ids: {type, panel, list, button, close, form}. */
  constructor(room, signal, { type, panel, list, button, close, form }) {
    this.room = room;
    this.type = type;
    this.views = new Map();
    this.panel = $(panel);
    this.list = $(list);
    $(button).addEventListener('click', () => { this.panel.hidden = !this.panel.hidden; this.render(); }, { signal });
    $(close).addEventListener('click', () => { this.panel.hidden = true; $(button).focus(); }, { signal });
    $(form).addEventListener('submit', (event) => { event.preventDefault(); this.submit(); }, { signal });
  }

  /** An event of this panel's type: kept and shown. Returns true when it was one. */
  handles(message) {
    if (message.type !== this.type) return false;
    if (keepNewest(this.views, message.data)) this.render();
    return true;
  }

  /** `engagement`'s views of this type (a join or a resume). */
  load(views) {
    for (const view of views) keepNewest(this.views, view);
    this.render();
  }

  /** Sends a request; its reply (a view) is kept; a refusal is shown. Resolves true when done. */
  async request(type, data) {
    try {
      this.handles(await this.room.signaling.request(type, data));
      return true;
    } catch (error) {
      this.room.reportError(error);
      return false;
    }
  }
}

export class PollsPanel extends LivePanel {
  constructor(room, signal) {
    super(room, signal, { type: 'poll', panel: '#polls-panel', list: '#polls-list', button: '#ctl-polls', close: '#polls-close', form: '#poll-form' });
  }

  /** The hosts' form: a new draft. */
  async submit() {
    const question = $('#poll-question').value.trim();
    const options = $('#poll-options').value.split('\n').map((line) => line.trim()).filter(Boolean);
    const data = { question, options, multiple: $('#poll-multiple').checked, anonymous: $('#poll-anonymous').checked };
    if (await this.request('poll-create', data)) $('#poll-form').reset();
  }

  render() {
    $('#poll-form').hidden = !this.room.isHost;
    const polls = [...this.views.values()].sort((a, b) => String(a.createdAt).localeCompare(String(b.createdAt)));
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
