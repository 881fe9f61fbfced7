// Files in the chat (docs/signaling.md, "File sharing"; docs/web-client.md).
//
// Attach: the chosen file goes up to meet-api first
// (`POST /v1/meetings/{code}/attachments?name=…`, the raw bytes, with the
// seat's token), with its progress shown under the chat form; then the
// `chat` message names it (`attachmentId`), with whatever text is in the
// input and to whoever the To list says. A refused upload (too large, the
// store down) is shown there in words and nothing is sent.
//
// Download: a message's file is a button, not a link: the file needs the
// bearer token, which a plain link cannot send. The bytes are fetched, then
// saved through a blob URL with the file's name.

import { $, h } from './dom.js';

/** Bytes in words: 512 B, 3.4 KB, 12 MB. */
export function formatSize(bytes) {
  if (bytes < 1000) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB'];
  let value = bytes;
  let unit = -1;
  do { value /= 1000; unit += 1; } while (value >= 1000 && unit < units.length - 1);
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}

/** A message's file: a button that downloads it. */
export function attachmentButton(attachment, onDownload) {
  return h('button', {
    type: 'button', className: 'attachment', dataset: { attachmentId: String(attachment.id).toLowerCase() },
    onclick: () => onDownload(attachment),
  }, `Download ${attachment.name} (${formatSize(attachment.size)})`);
}

/** Why an upload failed, in words. */
function uploadError(status, body) {
  if (status === 413) return `too large${body && body.message ? ` (${body.message})` : ''}`;
  if (status === 429) return 'too many files at once, try again in a minute';
  if (status === 503) return 'the file store is unavailable, try again shortly';
  if (status === 0) return 'the upload was cut off (the file may be too large, or the connection dropped)';
  return (body && body.message) || `upload failed (${status})`;
}

export class Attachments {
  /** room: the Room (`code`, `signaling`, `sendChat`, `reportError`); signal: detaches the listeners. */
  constructor(room, signal) {
    this.room = room;
    this.status = $('#chat-upload');
    /** The last file saved, for the test hook `meetDebug.lastDownload()`. */
    this.lastDownload = null;
    const input = $('#chat-file');
    $('#chat-attach').addEventListener('click', () => input.click(), { signal });
    input.addEventListener('change', () => {
      const file = input.files && input.files[0];
      input.value = '';
      if (file) this.send(file);
    }, { signal });
  }

  show(text) {
    this.status.hidden = !text;
    this.status.textContent = text || '';
  }

  /** Uploads `file`, then sends the chat message that carries it. */
  async send(file) {
    this.show(`Uploading ${file.name}…`);
    let attachment;
    try {
      attachment = await this.upload(file, (fraction) => this.show(`Uploading ${file.name}: ${Math.round(fraction * 100)}%`));
    } catch (error) {
      this.show(`${file.name} was not sent: ${error.message}`);
      return false;
    }
    const input = $('#chat-input');
    const sent = await this.room.sendChat(input.value.trim(), $('#chat-to').value, attachment.id);
    if (sent) {
      input.value = '';
      this.show('');
    } else {
      this.show(`${file.name} was uploaded but the message was not sent`);
    }
    return sent;
  }

  /** XHR rather than fetch: it reports upload progress. Resolves with the attachment. */
  upload(file, progress) {
    const url = `/v1/meetings/${encodeURIComponent(this.room.code)}/attachments?name=${encodeURIComponent(file.name)}`;
    return new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open('POST', url);
      xhr.setRequestHeader('Authorization', `Bearer ${this.room.signaling.seatToken()}`);
      xhr.setRequestHeader('Content-Type', file.type || 'application/octet-stream');
      xhr.upload.onprogress = (event) => { if (event.lengthComputable) progress(event.loaded / event.total); };
      xhr.onload = () => {
        let body = null;
        try { body = JSON.parse(xhr.responseText); } catch { /* not JSON */ }
        if (xhr.status === 201 && body) resolve(body); else reject(new Error(uploadError(xhr.status, body)));
      };
      xhr.onerror = () => reject(new Error(uploadError(0, null)));
      xhr.send(file);
    });
  }

  /** The file's bytes as a Blob, or throws with the status. */
  async fetch(id) {
    const response = await fetch(`/v1/meetings/${encodeURIComponent(this.room.code)}/attachments/${encodeURIComponent(id)}`, {
      headers: { Authorization: `Bearer ${this.room.signaling.seatToken()}` }, credentials: 'omit',
    });
    if (!response.ok) {
      const error = new Error(response.status === 404 ? 'that file is not available to you' : `download failed (${response.status})`);
      error.status = response.status;
      throw error;
    }
    // As opaque bytes: a blob URL lives in the app's origin, where the
    // uploader's type (text/html, say) must not make it a page.
    return new Blob([await response.blob()], { type: 'application/octet-stream' });
  }

  /** Fetches the file and saves it under its name. */
  async download(attachment) {
    try {
      const blob = await this.fetch(attachment.id);
      this.lastDownload = { name: attachment.name, blob };
      const link = document.createElement('a');
      link.href = URL.createObjectURL(blob);
      link.download = attachment.name;
      link.click();
      setTimeout(() => URL.revokeObjectURL(link.href), 10000);
    } catch (error) {
      this.room.reportError(error);
    }
  }
}

/** A Blob's bytes as base64 (test hooks). */
export async function base64(blob) {
  const bytes = new Uint8Array(await blob.arrayBuffer());
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}
