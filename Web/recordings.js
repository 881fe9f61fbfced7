// A meeting's recordings, `/{code}?view=recordings` (docs/web-client.md,
// "Recordings"): for whoever the meeting's `recording_access` lets see them
// (the owner and hosts always; members by default), each recording with its
// files, a player for the composite MP4 or any WebM track, a download, and
// for the owner and hosts a delete.
//
// A `<video src>` cannot send the bearer token, so the page asks for a
// short-lived playback URL (docs/openapi.yaml, `POST
// /v1/recordings/{id}/files/{fileId}/playback`) whose signed token stands in
// for it, and plays that: the browser streams the file and seeks with range
// requests, nothing is loaded whole. When the URL expires during playback
// (the next range request fails), the player gets a new one and carries on
// where it was. Downloads use the same kind of URL with `download=1`
// (`Content-Disposition: attachment`), so the browser saves to disk as it
// receives rather than holding the file in memory.

import { $, announce, h, showError, showScreen } from './dom.js';
import { formatDuration, formatTime } from './report.js';
import { restMessage } from './messages.js';

const STATUS_WORDS = {
  starting: 'Starting', recording: 'Recording now', stopping: 'Finishing', stopped: 'Finished', failed: 'Failed',
};
const ERRORS = {
  forbidden: 'You are not allowed to see the recordings of this meeting.',
  not_found: 'There is no such meeting or recording.',
  recording_active: 'This recording is still running: stop it first.',
  storage_unavailable: 'The recording store is not reachable now. Try again in a moment.',
};

/** The error to show for a REST failure on this page. */
export function recordingsMessage(error) {
  return ERRORS[error && error.code] || restMessage(error);
}

/** "4.2 MB", "980 kB", "512 B". */
export function formatBytes(bytes) {
  const n = Math.max(0, Number(bytes) || 0);
  if (n >= 1e9) return `${(n / 1e9).toFixed(1)} GB`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} MB`;
  if (n >= 1e3) return `${Math.round(n / 1e3)} kB`;
  return `${n} B`;
}

/** Whether a browser's `<video>` plays the file: the MP4 composite and WebM (VP8/VP9/Opus); not H.264 in Matroska. */
export function playable(file) {
  if (file.kind === 'composite') return true;
  return ['vp8', 'vp9', 'opus'].includes(String(file.codec || '').toLowerCase());
}

/** The file name a download gets. */
export function downloadName(recording, file) {
  const suffix = file.kind === 'composite' ? 'mp4' : String(file.codec).toLowerCase() === 'h264' ? 'mkv' : 'webm';
  return `recording-${String(recording.id).slice(0, 8)}-${file.kind}-${String(file.id).slice(0, 8)}.${suffix}`;
}

/**
 * The files in the order the page lists them, each with its label: the
 * composite first, then per publisher (numbered in order of appearance) by
 * segment, video before audio.
 */
export function fileEntries(recording) {
  const files = (recording.files || []).slice();
  const people = new Map();
  for (const file of files.slice().sort((a, b) => a.segment - b.segment || a.startMs - b.startMs)) {
    const who = file.participantId || file.trackId;
    if (file.kind !== 'composite' && !people.has(who)) people.set(who, people.size + 1);
  }
  const rank = (file) => (file.kind === 'composite' ? -1 : people.get(file.participantId || file.trackId));
  files.sort((a, b) => rank(a) - rank(b) || a.segment - b.segment || (a.kind === 'video' ? 0 : 1) - (b.kind === 'video' ? 0 : 1)
    || a.startMs - b.startMs);
  const segments = new Set(files.map((file) => file.segment)).size;
  return files.map((file) => {
    const label = file.kind === 'composite'
      ? 'Whole meeting (grid, mixed audio)'
      : `Person ${rank(file)} · ${file.kind === 'video' ? 'video' : 'audio'}${segments > 1 ? ` · part ${file.segment + 1}` : ''}`;
    const detail = `${formatDuration(file.durationMs / 1000)}, ${formatBytes(file.bytes)}, ${file.kind === 'composite' ? 'MP4' : file.codec}`;
    return { file, label, detail, playable: playable(file) };
  });
}

/** One line about a recording: when, how long, its state and any gap a recorder failover left. */
export function recordingSummary(recording, options = {}) {
  const started = recording.startedAt || recording.createdAt;
  const parts = [formatTime(started, options)];
  if (recording.startedAt && recording.endedAt) {
    parts.push(formatDuration((Date.parse(recording.endedAt) - Date.parse(recording.startedAt)) / 1000));
  }
  parts.push(STATUS_WORDS[recording.status] || recording.status);
  const gaps = (recording.segments || []).filter((segment) => segment.gapMs > 0);
  if (gaps.length) {
    const total = gaps.reduce((sum, segment) => sum + segment.gapMs, 0);
    parts.push(`${gaps.length === 1 ? 'a gap' : `${gaps.length} gaps`} of ${(total / 1000).toFixed(1)} s (recorder replaced)`);
  }
  return parts.join(' · ');
}

/** Whether the caller may delete: the owner and hosts, once the recording has ended. */
export function canDelete(role, recording) {
  return (role === 'owner' || role === 'host') && ['stopped', 'failed'].includes(recording.status);
}

/**
 * A playback URL for one file (absolute, on `api.base`), and when it
 * expires (ms since the epoch). `download` asks for an attachment.
 */
export async function playbackUrl(api, recordingId, fileId, { download = false } = {}) {
  const path = `/v1/recordings/${encodeURIComponent(recordingId)}/files/${encodeURIComponent(fileId)}/playback`;
  const { url, expiresAt } = await api.call('POST', path, undefined, { auth: 'user' });
  return { url: api.base + url + (download ? '&download=1' : ''), expiresAt: Date.parse(expiresAt) };
}

/**
 * Whether a player error is worth one retry with a new URL: once per URL,
 * whatever the error. Its `expiresAt` is the server's clock, which this
 * one may not agree with, so an expired URL is not told from other errors
 * by the time; a new URL that fails too (the recording deleted, access
 * narrowed, a file that does not decode) shows the error.
 */
export function shouldRenew(current) {
  return Boolean(current) && !current.renewed;
}

/** The page: the list, the player and its download link. */
export class RecordingsPage {
  constructor({ api }) {
    this.api = api;
    this.code = null;
    this.role = null;
    /** Bumped for each file asked for: a slow earlier answer never replaces a later choice. */
    this.loading = 0;
    /** The file in the player: ids, label, its playback URL and when that expires. */
    this.current = null;
    this.watching = false;
  }

  async open(code) {
    this.code = code;
    this.release();
    $('#recordings-title').textContent = `Recordings of meeting ${code}`;
    $('#recordings-player-box').hidden = true;
    $('#recordings-list').replaceChildren();
    $('#recordings-empty').hidden = true;
    showScreen('recordings');
    const slot = $('#recordings-error');
    showError(slot, null);
    if (!this.api.user) {
      showError(slot, 'Sign in to see the recordings of this meeting.');
      return;
    }
    try {
      const meeting = await this.api.getMeeting(code);
      this.role = meeting.role || null;
      $('#recordings-title').textContent = `Recordings: ${meeting.title}`;
    } catch (error) {
      showError(slot, recordingsMessage(error));
      return;
    }
    await this.load();
  }

  async load() {
    const slot = $('#recordings-error');
    let items;
    try {
      ({ items } = await this.api.call('GET', `/v1/meetings/${encodeURIComponent(this.code)}/recordings`, undefined, { auth: 'user' }));
    } catch (error) {
      showError(slot, recordingsMessage(error));
      return;
    }
    $('#recordings-list').replaceChildren(...(items || []).map((recording) => this.renderRecording(recording)));
    $('#recordings-empty').hidden = (items || []).length > 0;
  }

  renderRecording(recording) {
    const entries = fileEntries(recording);
    const files = h('ul', { className: 'recording-files' }, ...entries.map((entry) => h('li', {},
      h('span', {}, h('strong', {}, entry.label), ` (${entry.detail})`),
      entry.playable ? h('button', {
        type: 'button', className: 'small', 'aria-label': `Play ${entry.label}`, onclick: () => this.play(recording, entry),
      }, 'Play') : h('span', { className: 'muted' }, 'download only'),
      h('button', {
        type: 'button', className: 'small', 'aria-label': `Download ${entry.label}`, onclick: () => this.download(recording, entry),
      }, 'Download'))));
    const item = h('li', { className: 'recording', dataset: { recordingId: recording.id } },
      h('p', {}, recordingSummary(recording)),
      entries.length ? files : h('p', { className: 'muted' }, recording.status === 'stopped' ? 'No files yet.' : 'Files appear once it ends.'));
    if (canDelete(this.role, recording)) {
      item.append(h('button', {
        type: 'button', className: 'small danger', onclick: () => this.remove(recording),
      }, 'Delete recording'));
    }
    return item;
  }

  /** Plays `entry`'s file in the page's `<video>` from a playback URL. */
  async play(recording, entry) {
    const token = ++this.loading;
    const slot = $('#recordings-error');
    const status = $('#recordings-progress');
    showError(slot, null);
    status.textContent = `Opening ${entry.label}…`;
    let minted;
    try {
      minted = await playbackUrl(this.api, recording.id, entry.file.id);
    } catch (error) {
      if (token === this.loading) {
        status.textContent = '';
        showError(slot, recordingsMessage(error));
      }
      return;
    }
    if (token !== this.loading) return;
    status.textContent = '';
    const video = $('#recordings-player');
    this.watch(video);
    this.current = { recordingId: recording.id, fileId: entry.file.id, label: entry.label, ...minted, renewed: false };
    $('#recordings-now').textContent = `${entry.label} · ${recordingSummary(recording)}`;
    $('#recordings-player-box').hidden = false;
    video.src = minted.url;
    video.focus({ preventScroll: true });
    try {
      await video.play();
    } catch {
      // Autoplay refused (a sound-on play without a gesture): the controls are there.
    }
    announce(`Playing ${entry.label}.`);
  }

  /** Listens once for the player's errors: an expired URL is renewed where playback was. */
  watch(video) {
    if (this.watching) return;
    this.watching = true;
    video.addEventListener('error', () => this.playerFailed(video));
    // A new URL plays fine: the next expiry may be renewed again.
    video.addEventListener('playing', () => { if (this.current) this.current.renewed = false; });
  }

  async playerFailed(video) {
    const current = this.current;
    if (!current || !video.getAttribute('src')) return;
    if (!shouldRenew(current)) {
      showError($('#recordings-error'), `${current.label} could not be played (it may have been deleted, or access changed).`);
      return;
    }
    const at = video.currentTime;
    const paused = video.paused;
    current.renewed = true;
    let minted;
    try {
      minted = await playbackUrl(this.api, current.recordingId, current.fileId);
    } catch (error) {
      if (this.current === current) showError($('#recordings-error'), recordingsMessage(error));
      return;
    }
    if (this.current !== current) return;
    Object.assign(current, minted);
    video.src = minted.url;
    video.currentTime = at;
    if (!paused) {
      try { await video.play(); } catch { /* the controls are there */ }
    }
  }

  /** Saves `entry`'s file: the browser fetches a playback URL as an attachment. */
  async download(recording, entry) {
    let minted;
    try {
      minted = await playbackUrl(this.api, recording.id, entry.file.id, { download: true });
    } catch (error) {
      showError($('#recordings-error'), recordingsMessage(error));
      return;
    }
    const link = h('a', { href: minted.url, download: downloadName(recording, entry.file), hidden: true });
    document.body.append(link);
    link.click();
    link.remove();
  }

  async remove(recording) {
    if (!window.confirm('Delete this recording and all its files for everyone?')) return;
    try {
      await this.api.call('DELETE', `/v1/recordings/${encodeURIComponent(recording.id)}`, undefined, { auth: 'user' });
    } catch (error) {
      showError($('#recordings-error'), recordingsMessage(error));
      return;
    }
    if (this.current && this.current.recordingId === recording.id) {
      this.release();
      $('#recordings-player').removeAttribute('src');
      $('#recordings-player').load();
      $('#recordings-player-box').hidden = true;
    }
    announce('Recording deleted.');
    await this.load();
  }

  /** Forgets the file in the player (its URL expires on its own). */
  release() {
    this.current = null;
  }
}
