// Q&A (docs/signaling.md, Polls and Q&A): anyone asks (optionally
// anonymously) and upvotes once; hosts mark questions answered or dismiss
// them. Ordered by votes, then by age; the newest revision of each wins.

import { $, h } from './dom.js';
import { LivePanel } from './polls.js';

export class QAPanel extends LivePanel {
  constructor(room, signal) {
    super(room, signal, { type: 'question', panel: '#qa-panel', list: '#qa-list', button: '#ctl-qa', close: '#qa-close', form: '#qa-form' });
  }

  /** Asks the form's question. */
  async submit() {
    const text = $('#qa-input').value.trim();
    if (!text) return;
    if (await this.request('question-ask', { text, anonymous: $('#qa-anonymous').checked })) $('#qa-form').reset();
  }

  render() {
    const questions = [...this.views.values()].filter((q) => q.state !== 'dismissed')
      .sort((a, b) => b.votes - a.votes || String(a.askedAt).localeCompare(String(b.askedAt)));
    this.list.replaceChildren(...questions.map((question) => this.item(question)));
  }

  item(question) {
    const item = h('li', { className: `question question-${question.state}`, dataset: { questionId: String(question.id).toLowerCase() } },
      h('p', {}, question.text),
      h('small', { text: `${question.anonymous ? 'Anonymous' : question.askerName} · ${question.votes} votes${question.state === 'answered' ? ' · answered' : ''}` }),
      h('button', { type: 'button', className: 'small', 'aria-pressed': String(!!question.youVoted),
        onclick: () => this.request('question-vote', { questionId: question.id, up: !question.youVoted }) }, question.youVoted ? 'Unvote' : 'Upvote'));
    if (this.room.isHost) {
      item.append(
        h('button', { type: 'button', className: 'small', onclick: () => this.request('question-moderate', { questionId: question.id, state: 'answered' }) }, 'Answered'),
        h('button', { type: 'button', className: 'small', onclick: () => this.request('question-moderate', { questionId: question.id, state: 'dismissed' }) }, 'Dismiss'));
    }
    return item;
  }
}
