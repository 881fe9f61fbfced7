// A meeting's report page, `/{code}?view=report` (docs/scheduling.md,
// "Reports"): for its owner and hosts, the duration, the most people at once,
// the chat count, an attendance table (one row per seat taken, with the
// seconds each was heard speaking: "Talk time" in docs/scheduling.md), the polls
// with their tallies and the questions, and the attendance as a CSV file.
// Anyone else gets the server's 403 in words.
//
// The CSV needs the bearer token, which a plain link cannot send: the page
// fetches it and offers it as a `blob:` link with the server's file name.

import { $, h, showError, showScreen } from './dom.js';
import { restMessage } from './messages.js';

/** "1 h 05 min", "12 min 30 s", "45 s". */
export function formatDuration(seconds) {
  const s = Math.max(0, Math.round(Number(seconds) || 0));
  const hours = Math.floor(s / 3600);
  const minutes = Math.floor((s % 3600) / 60);
  const rest = s % 60;
  if (hours) return `${hours} h ${String(minutes).padStart(2, '0')} min`;
  if (minutes) return rest ? `${minutes} min ${rest} s` : `${minutes} min`;
  return `${rest} s`;
}

/** A date and time in the viewer's zone, or a dash. */
export function formatTime(value, { timeZone, locale = 'en-GB' } = {}) {
  if (!value) return '—';
  return new Intl.DateTimeFormat(locale, {
    timeZone, day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23',
  }).format(new Date(value));
}

const ROLE_WORDS = { owner: 'Owner', host: 'Host', attendee: 'Attendee', guest: 'Guest' };

/** The summary lines, label and value: duration, peak, chat, start and end. */
export function reportSummary(report, options = {}) {
  return [
    ['Duration', formatDuration(report.durationSeconds)],
    ['Most people at once', String(report.peakParticipants)],
    ['Chat messages', String(report.chatMessages)],
    ['Created', formatTime(report.createdAt, options)],
    ['Ended', report.endedAt ? formatTime(report.endedAt, options) : 'Not ended'],
  ];
}

/** One row per seat, in the table's column order: name, role, joined, left, time present, talk time. */
export function attendanceRows(report, options = {}) {
  return (report.attendance || []).map((seat) => [
    seat.displayName + (seat.userId ? '' : ' (guest)'),
    ROLE_WORDS[seat.role] || seat.role,
    formatTime(seat.joinedAt, options),
    seat.leftAt ? formatTime(seat.leftAt, options) : 'Still here',
    formatDuration(seat.secondsPresent),
    formatDuration(seat.talkSeconds),
  ]);
}

/** A poll as a question and "option: n votes" lines. */
export function pollView(poll) {
  const counts = poll.counts || [];
  return {
    question: poll.question,
    detail: `${poll.state === 'closed' ? 'Closed' : poll.state === 'open' ? 'Open' : 'Draft'}, ${poll.voterCount} `
      + `${poll.voterCount === 1 ? 'voter' : 'voters'}${poll.multiple ? ', several choices' : ''}${poll.anonymous ? ', anonymous' : ''}`,
    options: (poll.options || []).map((option, index) => `${option}: ${counts[index] || 0} ${counts[index] === 1 ? 'vote' : 'votes'}`),
  };
}

let csvUrl = null;

/** Opens the report screen for `code` and fills it. */
export async function openReport(api, code) {
  $('#report-title').textContent = `Report of meeting ${code}`;
  $('#report-body').hidden = true;
  showScreen('report');
  const slot = $('#report-error');
  showError(slot, null);
  if (!api.user) {
    showError(slot, 'Sign in as the meeting owner or a host to see its report.');
    return;
  }
  let report;
  try {
    report = await api.meetingReport(code);
  } catch (error) {
    showError(slot, restMessage(error, 'report'));
    return;
  }
  renderReport(report);
  $('#report-body').hidden = false;
  const link = $('#report-csv');
  link.hidden = true;
  try {
    const csv = await api.meetingReport(code, { csv: true });
    if (csvUrl) URL.revokeObjectURL(csvUrl);
    csvUrl = URL.createObjectURL(new Blob([csv], { type: 'text/csv' }));
    link.href = csvUrl;
    link.download = `meet-${code}-attendance.csv`;
    link.hidden = false;
  } catch (error) {
    showError(slot, restMessage(error, 'report'));
  }
}

function renderReport(report) {
  $('#report-title').textContent = `Report: ${report.title}`;
  $('#report-summary').replaceChildren(...reportSummary(report).flatMap(([label, value]) => [h('dt', {}, label), h('dd', {}, value)]));
  const rows = attendanceRows(report);
  $('#report-attendance tbody').replaceChildren(...rows.map((cells) => h('tr', {},
    h('th', { scope: 'row' }, cells[0]), ...cells.slice(1).map((cell) => h('td', {}, cell)))));
  $('#report-no-attendance').hidden = rows.length > 0;
  const polls = (report.polls || []).map(pollView);
  $('#report-polls-box').hidden = !polls.length;
  $('#report-polls').replaceChildren(...polls.map((poll) => h('li', {},
    h('p', {}, h('strong', {}, poll.question), ` (${poll.detail})`),
    h('ul', {}, ...poll.options.map((line) => h('li', {}, line))))));
  const questions = report.questions || [];
  $('#report-questions-box').hidden = !questions.length;
  $('#report-questions').replaceChildren(...questions.map((question) => h('li', {},
    `${question.text} (${question.askerName || 'anonymous'}, ${question.votes} ${question.votes === 1 ? 'vote' : 'votes'}, ${question.state})`)));
}
