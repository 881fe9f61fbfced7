// Form submission shared by every screen: the submit button is disabled
// while the request runs, and an error is shown in words (messages.js) in
// the form's `role="alert"` slot, with focus on the field it names.

import { $, showError } from './dom.js';
import { restMessage } from './messages.js';

/**
 * Wires `selector`'s submit to `handler(form)`. `context` picks the wording of
 * errors that depend on the screen (messages.js `restMessage`).
 */
export function wireForm(selector, handler, { context = '' } = {}) {
  const form = $(selector);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const slot = form.querySelector('.form-error');
    const button = form.querySelector('button[type=submit]');
    showError(slot, null);
    button.disabled = true;
    try {
      await handler(form);
    } catch (error) {
      showError(slot, restMessage(error, context));
      const field = error && error.field && form.elements[error.field];
      if (field && field.focus) field.focus();
    } finally {
      button.disabled = false;
    }
  });
}
