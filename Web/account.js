// The home page's "Your account" card (docs/scheduling.md "Notifications and
// reminders" and "Calendar feed", docs/operations.md "Data rights"):
//
// - the reminder setting (`PUT /v1/users/me/settings`: minutes before each
//   occurrence, or none);
// - the secret calendar feed URL (`POST /v1/users/me/calendar-feed` makes
//   one, or rotates it: the old URL stops working at once; `DELETE` revokes
//   it). The server shows a URL only when it makes it, so the card does too;
// - the export of everything stored about the account, offered as a
//   `blob:` download (the request needs the bearer token a link cannot send);
// - deleting the account, confirmed with its password.

import { $, announce, h, showError } from './dom.js';
import { wireForm } from './forms.js';
import { restMessage } from './messages.js';
import { invalid } from './schedule.js';

/** The reminder choices offered, in minutes; a stored value not among them is added. */
export const REMINDER_CHOICES = [0, 5, 10, 15, 30, 60, 120, 1440];

/** Words for a reminder lead: null is no reminders. */
export function reminderLabel(minutes) {
  if (minutes === null || minutes === undefined) return 'No reminders';
  if (minutes === 0) return 'At the start';
  if (minutes % 1440 === 0) return `${minutes / 1440} ${minutes === 1440 ? 'day' : 'days'} before`;
  if (minutes % 60 === 0) return `${minutes / 60} ${minutes === 60 ? 'hour' : 'hours'} before`;
  return `${minutes} minutes before`;
}

/** The select's options `[value, label]` for the stored lead: '' is none. */
export function reminderOptions(current) {
  const values = [...REMINDER_CHOICES];
  if (Number.isInteger(current) && !values.includes(current)) values.push(current);
  values.sort((a, b) => a - b);
  return [['', reminderLabel(null)], ...values.map((minutes) => [String(minutes), reminderLabel(minutes)])];
}

/** The settings body for the select's value. */
export function settingsRequest(value) {
  return { reminderMinutes: value === '' ? null : Number(value) };
}

export class AccountView {
  constructor({ api, onDeleted }) {
    this.api = api;
    this.onDeleted = onDeleted;
    this.exportUrl = null;
    wireForm('#reminder-form', (form) => this.saveReminder(form));
    wireForm('#feed-form', () => this.rotateFeed());
    $('#feed-revoke').addEventListener('click', () => this.revokeFeed());
    wireForm('#export-form', () => this.exportData());
    wireForm('#delete-account-form', (form) => this.deleteAccount(form));
  }

  /** Called when the signed-in home opens. */
  async show() {
    $('#feed-url-box').hidden = true;
    $('#export-link').hidden = true;
    const form = $('#reminder-form');
    try {
      const { reminderMinutes } = await this.api.settings();
      this.renderReminder(reminderMinutes ?? null);
    } catch (error) {
      showError(form.querySelector('.form-error'), restMessage(error));
    }
  }

  renderReminder(minutes) {
    const select = $('#reminder-form').reminder;
    select.replaceChildren(...reminderOptions(minutes).map(([value, label]) => h('option', { value }, label)));
    select.value = minutes === null ? '' : String(minutes);
  }

  async saveReminder(form) {
    const saved = await this.api.saveSettings(settingsRequest(form.reminder.value));
    this.renderReminder(saved.reminderMinutes ?? null);
    this.status(`Reminders: ${reminderLabel(saved.reminderMinutes ?? null).toLowerCase()}.`);
  }

  async rotateFeed() {
    const { url } = await this.api.rotateCalendarFeed();
    $('#feed-url').value = url;
    $('#feed-url-box').hidden = false;
    $('#feed-url').focus();
    $('#feed-url').select();
    this.status('New calendar link made. A link made before it no longer works.');
  }

  async revokeFeed() {
    const slot = $('#feed-form').querySelector('.form-error');
    showError(slot, null);
    try {
      await this.api.revokeCalendarFeed();
      $('#feed-url-box').hidden = true;
      $('#feed-url').value = '';
      this.status('Calendar link revoked.');
    } catch (error) {
      showError(slot, error.code === 'not_found' ? 'You have no calendar link to revoke.' : restMessage(error));
    }
  }

  async exportData() {
    const text = await this.api.exportData();
    if (this.exportUrl) URL.revokeObjectURL(this.exportUrl);
    this.exportUrl = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
    const link = $('#export-link');
    link.href = this.exportUrl;
    link.download = 'meet-export.json';
    link.dataset.bytes = String(text.length);
    link.hidden = false;
    link.focus();
    this.status(`Your data is ready: meet-export.json, ${Math.max(1, Math.round(text.length / 1024))} KB.`);
  }

  async deleteAccount(form) {
    if (!form.confirm.checked) throw invalid('confirm', 'tick the box to delete the account for good');
    if (!form.password.value) throw invalid('password', 'enter your password');
    try {
      await this.api.deleteAccount(form.password.value);
    } catch (error) {
      if (error.code === 'wrong_password') throw invalid('password', 'that is not your password');
      throw error;
    }
    form.reset();
    announce('Your account was deleted.', { assertive: true });
    this.onDeleted();
  }

  status(text) {
    $('#account-status').textContent = text;
    announce(text);
  }
}
