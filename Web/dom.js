// Small DOM helpers shared by every view: an element builder that never
// parses HTML (so names and chat bodies cannot inject markup), screen
// switching with focus management, and the screen-reader announcer.

/**
 * Creates an element. `props`: attributes (strings), `on*` listeners
 * (functions), `className`, `text`, `dataset`; children are nodes or strings.
 */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'className') el.className = value;
    else if (key === 'text') el.textContent = value;
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else if (value === true) el.setAttribute(key, '');
    else el.setAttribute(key, String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export const $ = (selector, root = document) => root.querySelector(selector);

/** Shows one `<section class="screen">` and hides the others; focuses its heading. */
export function showScreen(id) {
  for (const screen of document.querySelectorAll('.screen')) {
    screen.hidden = screen.id !== id;
  }
  const heading = document.querySelector(`#${id} [data-autofocus], #${id} h1, #${id} h2`);
  if (heading) {
    if (!heading.hasAttribute('tabindex') && !/^(INPUT|BUTTON|SELECT|TEXTAREA)$/.test(heading.tagName)) {
      heading.setAttribute('tabindex', '-1');
    }
    heading.focus({ preventScroll: true });
  }
}

/** Every assertive announcement (errors, mute requests) in order, for `meetDebug.alerts()`. */
export const alertLog = [];

/** Says `text` to screen readers through the polite live region (and the visible toast). */
export function announce(text, { assertive = false } = {}) {
  if (assertive) alertLog.push(text);
  const region = document.getElementById(assertive ? 'alerts' : 'announcer');
  if (!region) return;
  // Clearing first makes a repeated message be read again.
  region.textContent = '';
  setTimeout(() => { region.textContent = text; }, 30);
  toast(text);
}

let toastTimer = null;
/** A short visible notice at the top of the page. */
export function toast(text) {
  const el = document.getElementById('toast');
  if (!el) return;
  el.textContent = text;
  el.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { el.hidden = true; }, 4000);
}

/** Shows an error in a form's error slot (role=alert) or clears it with null. */
export function showError(slot, message) {
  if (!slot) return;
  slot.textContent = message || '';
  slot.hidden = !message;
}

/** Initials for an avatar: "Ada Lovelace" → "AL". */
export function initials(name) {
  const parts = String(name || '?').trim().split(/\s+/).filter(Boolean);
  const letters = parts.slice(0, 2).map((p) => [...p][0] || '').join('');
  return (letters || '?').toUpperCase();
}

/** A stable hue for a participant id, for avatar colours. */
export function hueFor(id) {
  let hash = 0;
  for (const ch of String(id)) hash = (hash * 31 + ch.charCodeAt(0)) >>> 0;
  return hash % 360;
}

/** Identifiers are UUIDs: compare them case-insensitively. */
export const idKey = (id) => String(id || '').toLowerCase();

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
