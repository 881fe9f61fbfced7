// Q&A (docs/signaling.md, Polls and Q&A): anyone asks (optionally
// anonymously) and upvotes once; hosts mark questions answered or dismiss
// them. Ordered by votes, then by age; the newest revision of each wins.

import { $, h } from './dom.js';
import { keepNewest } from './polls.js';

export class QAPanel {
  constructor(room, signal) {
    this.room = room;
    this.questions = new Map();
    this.panel = $('#qa-panel');
    this.list = $('#qa-list');
    $('#ctl-qa').addEventListener('click', () => { this.panel.hidden = !this.panel.hidden; this.render(); }, { signal });
    $('#qa-form').addEventListener('submit', (event) => { event.preventDefault(); this.ask(); }, { signal });
  }

  handles(message) {
    if (message.type !== 'question') return false;
    if (keepNewest(this.questions, message.data)) this.render();
    return true;
  }

  load(views) {
    for (const view of views) keepNewest(this.questions, view);
    this.render();
  }

  async request(type, data) {
    try {
      const reply = await this.room.signaling.request(type, data);
      if (reply.type === 'question') this.handles(reply);
      return true;
    } catch (error) {
      this.room.reportError(error);
      return false;
    }
  }

  async ask() {
    const text = $('#qa-input').value.trim();
    if (!text) return;
    if (await this.request('question-ask', { text, anonymous: $('#qa-anonymous').checked })) $('#qa-form').reset();
  }

  render() {
    const questions = [...this.questions.values()].filter((q) => q.state !== 'dismissed')
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
