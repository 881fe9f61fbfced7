// The side panel: chat (history from REST, live messages from signaling)
// and people (everyone in the room; for hosts, the waiting room with
// admit/deny and mute/kick on each person).

import { $, h, idKey } from './dom.js';

export class SidePanel {
  /**
   * handlers: {send(body, to) → Promise<sent>, attachment(file) → element, admit(id), deny(id), mute(id, kind), kick(id)};
   * `to`: '' (everyone), 'hosts', or a participant id (a private message).
   * signal: detaches the listeners when the room ends.
   */
  constructor(handlers, signal) {
    this.handlers = handlers;
    this.side = $('#side');
    this.chatList = $('#chat-list');
    this.chatInput = $('#chat-input');
    this.chatBadge = $('#chat-badge');
    this.peopleBadge = $('#people-badge');
    this.seen = new Set();
    /** person key → display name, for private messages' labels and the To list. */
    this.names = new Map();
    this.unread = 0;
    this.open = null;
    const options = { signal };
    $('#chat-form').addEventListener('submit', (event) => {
      event.preventDefault();
      const body = this.chatInput.value.trim();
      if (!body) return;
      // A failure is shown by the room and resolves false: the text stays for another try.
      this.handlers.send(body, $('#chat-to').value).then((sent) => { if (sent) this.chatInput.value = ''; });
    }, options);
    $('#ctl-chat').addEventListener('click', () => this.toggle('chat'), options);
    $('#ctl-people').addEventListener('click', () => this.toggle('people'), options);
    $('#side-close').addEventListener('click', () => this.show(null), options);
    this.side.addEventListener('keydown', (event) => { if (event.key === 'Escape') this.show(null); }, options);
  }

  reset() {
    this.chatList.replaceChildren();
    this.seen.clear();
    this.unread = 0;
    this.updateBadges(0);
    this.show(null);
  }

  toggle(which) { this.show(this.open === which ? null : which); }

  /** Opens 'chat' or 'people' (or closes with null) and moves focus sensibly. */
  show(which) {
    const previous = this.open;
    this.open = which;
    this.side.hidden = !which;
    $('#chat-panel').hidden = which !== 'chat';
    $('#people-panel').hidden = which !== 'people';
    $('#side-title').textContent = which === 'people' ? 'People' : 'Chat';
    $('#ctl-chat').setAttribute('aria-expanded', String(which === 'chat'));
    $('#ctl-people').setAttribute('aria-expanded', String(which === 'people'));
    if (which === 'chat') {
      this.unread = 0;
      this.updateBadges();
      this.chatInput.focus();
      this.scrollChat();
    } else if (which === 'people') {
      $('#side-title').focus();
    } else if (previous) {
      $(previous === 'chat' ? '#ctl-chat' : '#ctl-people').focus();
    }
  }

  // MARK: Chat

  /** Adds messages (history or live), skipping ones already shown. Returns how many were new. */
  addMessages(messages, { meKey = '' } = {}) {
    let added = 0;
    for (const message of messages) {
      const id = String(message.id);
      if (this.seen.has(id)) continue;
      this.seen.add(id);
      added += 1;
      const time = message.createdAt ? new Date(message.createdAt) : new Date();
      const mine = meKey && idKey(message.participantId) === meKey;
      const privately = message.toHosts ? 'privately to the hosts'
        : message.toParticipantId ? `privately to ${idKey(message.toParticipantId) === meKey ? 'you' : (this.names.get(idKey(message.toParticipantId)) || 'someone')}`
          : null;
      this.chatList.append(h('li', { className: privately ? 'private' : '', dataset: { messageId: id } },
        h('span', { className: 'who', text: mine ? `${message.displayName} (you)` : message.displayName }),
        privately ? h('span', { className: 'to', text: ` ${privately}` }) : null,
        h('time', { datetime: time.toISOString(), text: time.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }) }),
        message.body ? h('div', { className: 'body', text: message.body }) : null,
        message.attachment ? this.handlers.attachment(message.attachment) : null));
    }
    if (added && this.open !== 'chat') {
      this.unread += added;
      this.updateBadges();
    }
    this.scrollChat();
    return added;
  }

  scrollChat() { this.chatList.scrollTop = this.chatList.scrollHeight; }

  /** The To list: everyone, the hosts, then each other person (kept when still there). */
  renderRecipients(people, meKey) {
    const select = $('#chat-to');
    const chosen = select.value;
    const options = [h('option', { value: '', text: 'Everyone' }), h('option', { value: 'hosts', text: 'Hosts only' })];
    for (const person of people) {
      if (idKey(person.id) === meKey) continue;
      options.push(h('option', { value: idKey(person.id), text: `${person.displayName} (private)` }));
    }
    select.replaceChildren(...options);
    select.value = options.some((option) => option.value === chosen) ? chosen : '';
  }

  // MARK: People

  /** `e2ee`: the meeting is end-to-end encrypted (said at the top of the panel, for hosts and everyone). */
  renderPeople({ people, waiting, meKey, isHost, e2ee = false }) {
    this.names = new Map(people.map((person) => [idKey(person.id), person.displayName]));
    $('#people-e2ee').hidden = !e2ee;
    this.renderRecipients(people, meKey);
    const list = $('#people-list');
    list.replaceChildren(...people.map((person) => this.personRow(person, meKey, isHost)));
    $('#waiting-section').hidden = !isHost || waiting.length === 0;
    $('#waiting-list').replaceChildren(...waiting.map((person) => h('li', {},
      h('span', { className: 'who', text: person.displayName }),
      h('button', { type: 'button', className: 'small primary', 'aria-label': `Admit ${person.displayName}`,
        onclick: () => this.handlers.admit(person.id) }, 'Admit'),
      h('button', { type: 'button', className: 'small', 'aria-label': `Deny ${person.displayName}`,
        onclick: () => this.handlers.deny(person.id) }, 'Deny'))));
    $('#ctl-people').firstChild.textContent = `People (${people.length}) `;
    this.updateBadges(isHost ? waiting.length : 0);
  }

  personRow(person, meKey, isHost) {
    const key = idKey(person.id);
    const media = person.media || {};
    const tags = [
      person.role === 'owner' ? 'host' : person.role === 'host' ? 'co-host' : null, person.guest ? 'guest' : null,
      media.mic ? 'mic on' : 'muted', media.camera ? 'camera on' : 'camera off', media.screen ? 'sharing screen' : null,
      person.handRaised ? 'hand raised' : null,
    ].filter(Boolean).join(' · ');
    const row = h('li', { dataset: { participantId: key } },
      h('span', { className: 'who' }, `${person.displayName}${key === meKey ? ' (you)' : ''}`, h('br'),
        h('span', { className: 'tags', text: tags })));
    // Each button's name starts with its visible words ("label in name"): people using
    // speech input say what they see, and the person's name tells the rows apart.
    if (isHost && key !== meKey) {
      if (media.mic) {
        row.append(h('button', { type: 'button', className: 'small', 'aria-label': `Mute ${person.displayName}`,
          onclick: () => this.handlers.mute(person.id, 'mic') }, 'Mute'));
      }
      if (media.camera) {
        row.append(h('button', { type: 'button', className: 'small', 'aria-label': `Stop video of ${person.displayName}`,
          onclick: () => this.handlers.mute(person.id, 'camera') }, 'Stop video'));
      }
      if (person.role !== 'owner') {
        row.append(h('button', { type: 'button', className: 'small danger', 'aria-label': `Remove ${person.displayName}`,
          onclick: () => this.handlers.kick(person.id) }, 'Remove'));
      }
    }
    return row;
  }

  updateBadges(waitingCount = this.waitingCount || 0) {
    this.waitingCount = waitingCount;
    this.chatBadge.hidden = this.unread === 0;
    this.chatBadge.textContent = this.unread ? `${this.unread} new` : '';
    this.peopleBadge.hidden = waitingCount === 0;
    this.peopleBadge.textContent = waitingCount ? `${waitingCount} waiting` : '';
  }
}
