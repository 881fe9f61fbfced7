// Entry point: reads the URL (`/` = home, `/{code}` = a meeting link,
// `/{code}?view=report` = its report, `/{code}?view=schedule` = its schedule
// (series.js), `/{code}?view=recordings` = its recordings (recordings.js), `/invitations/{id}?secret=…` or
// `/?invitation={id}&secret=…` = an invitation email's answer link), and
// runs the home, pre-join, waiting, meeting and ended screens.
//
// Test hooks (documented in docs/web-client.md): `window.meetTest` holds
// switches a test may set before joining — `nodeId` (placement hint sent
// with `publish`; also from `?node=`), `wsUrl` (connect to this meet-ws
// instead of the join response's), `screenSource` ('canvas' shares an
// animated canvas instead of calling getDisplayMedia), `iceTransportPolicy`
// ('relay' sends all media through TURN; read by ice.js), `cameraHeight`
// (capture the camera this high instead of 720 px; from `?camera=`, or set
// before the page's scripts run, since the preview opens the camera before a
// test can set hooks), `simulcast` (false:
// the camera as one stream; from `?simulcast=0`). `window.meetDebug`
// reads the live state and receive statistics.

import { base64 } from './attachments.js';
import { Api } from './api.js';
import { e2eeSupport } from './e2ee.js';
import { $, alertLog, announce, showError, showScreen } from './dom.js';
import { LocalMedia, validCameraHeight } from './localmedia.js';
import { wireForm } from './forms.js';
import { ENDINGS, restMessage } from './messages.js';
import { Room } from './room.js';
import { copy } from './room-controls.js';
import { MicCheck } from './mic-check.js';
import { Invitations, parseInvitationLink } from './invitations.js';
import { NotificationBell } from './notifications.js';
import { openReport } from './report.js';
import { RecordingsPage } from './recordings.js';
import { browserTimeZone, formatRange, startsIn } from './schedule.js';
import { ScheduleView } from './schedule-view.js';
import { SeriesPage } from './series.js';
import { SearchView } from './search.js';
import { AccountView } from './account.js';

const CODE_PATTERN = /^[a-z]{3}-[a-z]{4}-[a-z]{3}$/;
const GUEST_NAME_KEY = 'meet.guestName';

const api = new Api();
const params = new URLSearchParams(window.location.search);
// A test harness may set `window.meetTest.cameraHeight` before this script runs (the preview opens the camera first).
// A valid `?camera=` wins over a valid preset; an invalid one is ignored (each checked as Web/localmedia.js does).
const preset = window.meetTest || {};
const test = {
  nodeId: params.get('node') || null, wsUrl: null, screenSource: null, iceTransportPolicy: null,
  cameraHeight: validCameraHeight(params.get('camera')) ?? validCameraHeight(preset.cameraHeight) ?? null,
  simulcast: params.get('simulcast') !== '0',
};
let room = null;
let media = null;
/** A join ticket of an E2EE meeting waiting for its passphrase ({code, ticket}). */
let pendingTicket = null;
let micLevel = null;

window.meetTest = test;
window.meetDebug = {
  state: () => (room ? room.debugState() : null),
  stats: () => (room ? room.subs.stats() : Promise.resolve([])),
  publisherStats: () => (room ? room.publisher.stats() : Promise.resolve(null)),
  screen: () => document.querySelector('.screen:not([hidden])')?.id || null,
  alerts: () => alertLog.slice(),
  /** Simulates a network blip: drops the signaling socket without telling the server. */
  dropConnection: () => { if (room && room.signaling.socket) room.signaling.socket.close(4000, 'test blip'); },
  /** The last chat file saved, as base64 (null before any). */
  lastDownload: () => (room && room.attachments.lastDownload ? base64(room.attachments.lastDownload.blob) : Promise.resolve(null)),
  /** Fetches a chat file as this seat: {status, base64}. */
  fetchAttachment: (id) => room.attachments.fetch(id).then(base64).then((data) => ({ status: 200, base64: data }),
    (error) => ({ status: error.status || 0 })),
};

const scheduleView = new ScheduleView({ api });
const invitations = new Invitations({ api, onAnswered: () => scheduleView.load() });
const bell = new NotificationBell({ api });
const seriesPage = new SeriesPage({ api });
const recordingsPage = new RecordingsPage({ api });
new SearchView({ api });
const account = new AccountView({ api, onDeleted: () => openHome() });
/** The account the bell polls for (a token refresh is no new session). */
let bellUser;

api.onSession = () => onSession();
onSession();
route();

function onSession() {
  renderAccount();
  const id = api.user ? api.user.id : null;
  if (id !== bellUser) {
    bellUser = id;
    bell.setSignedIn(!!id);
  }
}

function route() {
  const path = decodeURIComponent(window.location.pathname.replace(/^\/+|\/+$/g, ''));
  const invitation = parseInvitationLink(window.location.pathname, window.location.search);
  if (invitation) {
    Invitations.remember(invitation);
    openInvitation();
  } else if (CODE_PATTERN.test(path)) {
    if (params.get('view') === 'report') openReport(api, path);
    else if (params.get('view') === 'schedule') seriesPage.open(path);
    else if (params.get('view') === 'recordings') recordingsPage.open(path);
    else openPrejoin(path);
  } else {
    openHome();
  }
}

/** An answer link: signed in, its page; otherwise sign in or sign up first (home says why). */
function openInvitation() {
  if (api.user) invitations.openPage();
  else openHome();
}

/** After signing in or up: back to an invitation being answered, else home. */
function afterSignIn() {
  if (Invitations.pending()) openInvitation();
  else openHome();
}

// MARK: Account

function renderAccount() {
  const box = $('#account');
  box.replaceChildren();
  if (api.user) {
    const name = document.createElement('span');
    name.textContent = `Signed in as ${api.user.displayName}`;
    const out = document.createElement('button');
    out.type = 'button';
    out.className = 'small';
    out.textContent = 'Sign out';
    out.addEventListener('click', async () => {
      await api.logout();
      announce('Signed out.');
      if (!room) route();
    });
    box.append(name, out);
  }
}

// MARK: Home

function openHome() {
  showScreen('home');
  const signedIn = !!api.user;
  $('#signed-in').hidden = !signedIn;
  $('#signed-out').hidden = signedIn;
  $('#signin-notice').hidden = signedIn || !Invitations.pending();
  if (signedIn) {
    loadMeetings();
    scheduleView.show();
    invitations.load();
    account.show();
    bell.refresh();
  }
}

wireForm('#login-form', async (form) => {
  await api.login(form.email.value.trim(), form.password.value);
  announce(`Welcome back, ${api.user.displayName}.`);
  afterSignIn();
});

wireForm('#register-form', async (form) => {
  await api.register(form.email.value.trim(), form.password.value, form.displayName.value.trim());
  announce(`Welcome, ${api.user.displayName}.`);
  afterSignIn();
});

wireForm('#create-form', async (form) => {
  const meeting = await api.createMeeting({
    title: form.title.value.trim(), password: form.password.value, waitingRoom: form.waitingRoom.checked,
    e2ee: form.e2ee.checked,
  });
  const link = `${window.location.origin}/${meeting.code}`;
  $('#created').hidden = false;
  $('#created-link').value = link;
  $('#open-created').href = `/${meeting.code}${window.location.search}`;
  announce(`Meeting created. Its link is ${link}.`);
  $('#created-link').focus();
  $('#created-link').select();
  loadMeetings();
});
$('#copy-created').addEventListener('click', () => copy($('#created-link').value));

for (const selector of ['#code-form', '#code-form-guest']) {
  wireForm(selector, async (form) => {
    const match = form.code.value.trim().toLowerCase().match(/[a-z]{3}-[a-z]{4}-[a-z]{3}/);
    if (!match) throw { code: 'validation_failed', field: 'code', message: 'a code looks like abc-defg-hij' };
    window.location.assign(`/${match[0]}${window.location.search}`);
  });
}

async function loadMeetings() {
  const list = $('#meeting-list');
  try {
    const page = await api.listMeetings();
    list.replaceChildren(...(page.items || []).map((meeting) => {
      const item = document.createElement('li');
      const link = document.createElement('a');
      link.href = `/${meeting.code}`;
      link.textContent = meeting.title;
      const status = document.createElement('span');
      status.className = 'muted';
      status.textContent = meeting.status === 'ended' ? 'ended' : meeting.code;
      item.append(link, status);
      if (meeting.role === 'owner' || meeting.role === 'host') {
        const report = document.createElement('a');
        report.href = `/${meeting.code}?view=report`;
        report.textContent = 'Report';
        report.setAttribute('aria-label', `Report of ${meeting.title}`);
        item.append(report);
      }
      const recordings = document.createElement('a');
      recordings.href = `/${meeting.code}?view=recordings`;
      recordings.textContent = 'Recordings';
      recordings.setAttribute('aria-label', `Recordings of ${meeting.title}`);
      item.append(recordings);
      return item;
    }));
    if (!list.children.length) list.append(Object.assign(document.createElement('li'), { textContent: 'No meetings yet.' }));
  } catch (error) {
    list.replaceChildren(Object.assign(document.createElement('li'), { textContent: restMessage(error) }));
  }
}

// MARK: Pre-join

async function openPrejoin(code) {
  showScreen('prejoin');
  const form = $('#join-form');
  showError(form.querySelector('.form-error'), null);
  $('#prejoin-code').textContent = `Meeting ${code} · ${window.location.origin}/${code}`;
  $('#join-name-label').hidden = !!api.user;
  $('#join-passphrase-label').hidden = true;
  $('#join-passphrase-help').hidden = true;
  pendingTicket = null;
  form.displayName.value = localStorage.getItem(GUEST_NAME_KEY) || '';
  $('#join-as').textContent = api.user ? `Joining as ${api.user.displayName}.` : 'Joining as a guest. Sign in on the home page to join as yourself.';
  form.dataset.code = code;
  $('#prejoin-when').hidden = true;
  if (api.user) {
    showWhen(code);
    api.getMeeting(code).then((meeting) => {
      $('#prejoin-title').textContent = `Join “${meeting.title}”`;
      if (meeting.hasPassword && !meeting.role) $('#join-password-label').hidden = false;
      if (meeting.e2ee) showPassphrase();
      if (meeting.status === 'ended') showError(form.querySelector('.form-error'), restMessage({ code: 'meeting_ended' }));
    }, (error) => {
      if (error.status === 404 || error.status === 410) showError(form.querySelector('.form-error'), restMessage(error));
    });
  }
  if (!media) {
    media = new LocalMedia();
    await media.open();
  }
  showPreview();
}

/** For a scheduled meeting, when its next occurrence is (joining early is fine: docs/scheduling.md). */
async function showWhen(code) {
  try {
    const { items } = await api.occurrences(code, 5);
    const next = (items || []).find((occurrence) => occurrence.status !== 'cancelled');
    if (!next || $('#prejoin').hidden) return;
    const timeZone = browserTimeZone();
    const soon = startsIn(next.startsAt, next.endsAt, Date.now());
    const when = formatRange(next.startsAt, next.endsAt, { timeZone });
    $('#prejoin-when').textContent = soon === 'Now' ? `Scheduled ${when}: under way now.`
      : `Scheduled ${when} (${timeZone})${soon ? `, starts ${soon}` : ''}. You can join before the start.`;
    $('#prejoin-when').hidden = false;
  } catch {
    // Not scheduled (409), or not a member: nothing to say.
  }
}

function showPreview() {
  const video = $('#preview');
  video.srcObject = media.camera ? new MediaStream([media.camera]) : null;
  $('#preview-off').hidden = !!(media.camera && media.cameraOn);
  const problem = media.describeProblem();
  $('#device-problem').hidden = !problem;
  $('#device-problem').textContent = problem || '';
  setPreviewToggle('#preview-mic', media.micOn && !!media.mic, 'Mute microphone', 'Unmute microphone', !media.mic);
  setPreviewToggle('#preview-camera', media.cameraOn && !!media.camera, 'Turn camera off', 'Turn camera on', !media.camera);
  if (!micLevel && media.mic) {
    micLevel = new MicCheck({ track: media.mic, intervalMs: 150, onLevel: (level) => { $('#preview-level').value = Math.min(1, level * 4); } });
  }
}

function setPreviewToggle(selector, on, onLabel, offLabel, disabled) {
  const button = $(selector);
  button.textContent = on ? onLabel : offLabel;
  button.dataset.on = String(on);
  button.disabled = disabled;
}

$('#preview-mic').addEventListener('click', () => { media.setMic(!media.micOn); showPreview(); });
$('#preview-camera').addEventListener('click', () => { media.setCamera(!media.cameraOn); showPreview(); });

wireForm('#join-form', async (form) => {
  const code = form.dataset.code;
  const displayName = form.displayName.value.trim();
  const password = form.password.value;
  const passphrase = form.passphrase.value;
  if (!api.user && !displayName) throw { code: 'validation_failed', field: 'displayName', message: 'please enter your name' };
  if (!api.user) localStorage.setItem(GUEST_NAME_KEY, displayName);
  // An end-to-end encrypted meeting needs its passphrase before the room: a
  // join answered without one is kept (a valid ticket) while the person types it.
  let ticket = pendingTicket && pendingTicket.code === code && Date.parse(pendingTicket.ticket.joinTokenExpiresAt) > Date.now() + 5000
    ? pendingTicket.ticket : null;
  pendingTicket = null;
  try {
    ticket = ticket || await api.join(code, { displayName, password });
  } catch (error) {
    if (error.code === 'wrong_password') {
      $('#join-password-label').hidden = false;
      form.password.focus();
      throw password ? error : { code: 'password_required' };
    }
    throw error;
  }
  if (ticket.meeting && ticket.meeting.e2ee) {
    showPassphrase();
    if (!passphrase) {
      pendingTicket = { code, ticket };
      form.passphrase.focus();
      throw { code: 'passphrase_required' };
    }
    if (!e2eeSupport()) throw { code: 'e2ee_unsupported' };
  }
  if (micLevel) { micLevel.close(); micLevel = null; }
  await enterRoom(code, ticket, { displayName, password, passphrase });
});

/** The prejoin's passphrase field, for an end-to-end encrypted meeting. */
function showPassphrase() {
  $('#join-passphrase-label').hidden = false;
  $('#join-passphrase-help').hidden = false;
}

async function enterRoom(code, ticket, { displayName, password, passphrase }) {
  room = new Room({
    api, code, ticket, media,
    options: {
      displayName, password, passphrase, test,
      onWaiting: () => showScreen('waiting'),
      onEnd: (reason, data) => { bell.setLive(false); showEnded(code, reason, data); },
    },
  });
  // Notifications come over the socket while it is open (docs/signaling.md, "Notifications").
  room.signaling.addEventListener('message', (event) => {
    if (event.detail.type === 'notification') bell.pushed(event.detail.data);
  });
  room.signaling.addEventListener('state', (event) => bell.setLive(event.detail.state === 'open'));
  await room.start();
}

$('#waiting-leave').addEventListener('click', () => { if (room) room.leave(); });

// MARK: Ended

function showEnded(code, reason, data) {
  const ending = ENDINGS[reason] || ENDINGS.lost;
  $('#ended-title').textContent = ending.title;
  const reasonText = data && data.reason ? ` Reason: ${data.reason}.` : '';
  $('#ended-detail').textContent = ending.detail + reasonText;
  const canRejoin = ['left', 'lost', 'replaced'].includes(reason);
  $('#rejoin').hidden = !canRejoin;
  $('#rejoin').onclick = () => { room = null; openPrejoin(code); };
  showScreen('ended');
  announce(ending.title, { assertive: true });
  if (!canRejoin && media) { media.stopAll(); media = null; }
}

window.addEventListener('pagehide', () => {
  if (room && room.signaling.connected) room.signaling.sendFrame({ type: 'leave' });
});
