// Scheduling, the pure part: from the schedule form's values to the REST
// requests (`POST /v1/meetings`, `PUT /v1/meetings/{code}/schedule`, one
// `POST …/invitations` per address; docs/scheduling.md), and the wording of
// times in the person's own time zone. No DOM here, so `node --test
// Tests/web/schedule.test.mjs` checks it with fixed zones and clocks.
//
// The form asks for a wall-clock date and time in the browser's time zone
// (`Intl.DateTimeFormat().resolvedOptions().timeZone`); the request carries
// that instant as RFC 3339 with the zone's offset at that moment, plus the
// IANA name, so a weekly series keeps its local time across DST changes.

/** The most invitees one form sends (each is one request). */
export const MAX_INVITEES = 50;
/** RFC 5545 COUNT bounds the server accepts. */
export const MAX_COUNT = 730;
/** docs/scheduling.md: `endsAt` at most 7 days after `startsAt`. */
export const MAX_DURATION_MINUTES = 7 * 24 * 60;

const EMAIL = /^[^\s@,;<>]+@[^\s@,;<>]+\.[^\s@,;<>]+$/;

/** A form problem, shaped like the API's validation errors so messages.js words it the same way. */
export function invalid(field, message) {
  return { code: 'validation_failed', field, message };
}

/** The browser's IANA time zone, `UTC` when it cannot tell. */
export function browserTimeZone() {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}

/** Minutes east of UTC that `timeZone` is at the instant `ms`. */
export function offsetMinutes(ms, timeZone) {
  const parts = {};
  const format = new Intl.DateTimeFormat('en-US', {
    timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric',
    hour: 'numeric', minute: 'numeric', second: 'numeric',
  });
  for (const { type, value } of format.formatToParts(new Date(ms))) parts[type] = Number(value);
  const asUTC = Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second);
  return Math.round((asUTC - Math.floor(ms / 1000) * 1000) / 60000);
}

/**
 * The instant (ms) a wall-clock `date` (`YYYY-MM-DD`) and `time` (`HH:MM`)
 * name in `timeZone`. A time in a spring-forward gap is read with the offset
 * from before the gap (02:30 becomes 03:30), as the server reads RRULE
 * starts; one that exists twice is the first of the two.
 */
export function zonedInstant(date, time, timeZone) {
  const d = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date || '');
  if (!d) throw invalid('date', 'pick a date');
  const t = /^(\d{2}):(\d{2})(?::\d{2})?$/.exec(time || '');
  if (!t) throw invalid('time', 'pick a start time');
  const wall = Date.UTC(Number(d[1]), Number(d[2]) - 1, Number(d[3]), Number(t[1]), Number(t[2]));
  // Try the offsets in force just before and just after that wall time;
  // the earlier candidate that reads back as the same wall time wins.
  const before = offsetMinutes(wall - 36 * 3600 * 1000, timeZone);
  const after = offsetMinutes(wall + 36 * 3600 * 1000, timeZone);
  const candidates = [...new Set([before, after])].map((offset) => wall - offset * 60000).sort((a, b) => a - b);
  for (const instant of candidates) {
    if (instant + offsetMinutes(instant, timeZone) * 60000 === wall) return instant;
  }
  return wall - before * 60000;  // in a gap: the offset from before it
}

/** `2027-03-22T09:00:00+01:00`: the instant `ms` written with `timeZone`'s offset then. */
export function rfc3339(ms, timeZone) {
  const offset = offsetMinutes(ms, timeZone);
  const local = new Date(Math.floor(ms / 1000) * 1000 + offset * 60000).toISOString().slice(0, 19);
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/** The form's date and time fields for `ms` in `timeZone` (prefilling the form). */
export function wallClock(ms, timeZone) {
  const text = rfc3339(ms, timeZone);
  return { date: text.slice(0, 10), time: text.slice(11, 16) };
}

/** A sensible default start: the next full quarter hour at least 5 minutes away. */
export function defaultStart(now) {
  const quarter = 15 * 60000;
  return Math.ceil((now + 5 * 60000) / quarter) * quarter;
}

/** Addresses from a free-text field (commas, semicolons, spaces or lines), deduplicated; throws on a bad one. */
export function parseInvitees(text) {
  const seen = new Set();
  const list = [];
  for (const raw of String(text || '').split(/[\s,;]+/)) {
    const address = raw.trim().replace(/^<(.*)>$/, '$1');
    if (!address) continue;
    if (!EMAIL.test(address)) throw invalid('invitees', `“${address}” is not an email address`);
    const key = address.toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    list.push(address);
  }
  if (list.length > MAX_INVITEES) throw invalid('invitees', `invite at most ${MAX_INVITEES} people at once`);
  return list;
}

/** The RRULE for the form's repeat choice: `none`, `daily` or `weekly`, `count` occurrences in all. */
export function recurrenceRule(repeat, count) {
  if (!repeat || repeat === 'none') return null;
  const freq = { daily: 'DAILY', weekly: 'WEEKLY' }[repeat];
  if (!freq) throw invalid('repeat', 'choose none, daily or weekly');
  const n = Number(count);
  if (!Number.isInteger(n) || n < 2 || n > MAX_COUNT) {
    throw invalid('count', `the number of occurrences is a whole number from 2 to ${MAX_COUNT}`);
  }
  return `FREQ=${freq};COUNT=${n}`;
}

/**
 * The requests the schedule form makes, from its raw values:
 * `{meeting, schedule, invitees, role}`. `timeZone` and `now` (ms) are
 * passed in. Throws a validation error naming the field.
 */
export function buildScheduleRequest(values, { timeZone, now }) {
  const title = String(values.title || '').trim();
  if ([...title].length < 3) throw invalid('title', 'a title has at least 3 characters');
  const start = zonedInstant(values.date, values.time, timeZone);
  if (start < now - 60000) throw invalid('time', 'the start is in the past');
  const minutes = Number(values.duration);
  if (!Number.isInteger(minutes) || minutes < 5 || minutes > MAX_DURATION_MINUTES) {
    throw invalid('duration', 'a duration is from 5 minutes to 7 days');
  }
  const schedule = {
    startsAt: rfc3339(start, timeZone),
    endsAt: rfc3339(start + minutes * 60000, timeZone),
    timeZone,
  };
  const agenda = String(values.agenda || '').trim();
  if (agenda) schedule.description = agenda;
  const recurrence = recurrenceRule(values.repeat, values.count);
  if (recurrence) schedule.recurrence = recurrence;
  const meeting = { title, waitingRoom: !!values.waitingRoom };
  if (values.password) meeting.password = values.password;
  const role = values.role === 'host' ? 'host' : 'attendee';
  return { meeting, schedule, invitees: parseInvitees(values.invitees), role };
}

/** "Mon 22 Mar, 09:00–10:00" in `timeZone` (the date again when it ends on another day). */
export function formatRange(startsAt, endsAt, { timeZone, locale = 'en-GB' } = {}) {
  const start = new Date(startsAt);
  const end = new Date(endsAt);
  const day = new Intl.DateTimeFormat(locale, { timeZone, weekday: 'short', day: 'numeric', month: 'short' });
  const clock = new Intl.DateTimeFormat(locale, { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  const sameDay = day.format(start) === day.format(end);
  return `${day.format(start)}, ${clock.format(start)}–${sameDay ? '' : `${day.format(end)}, `}${clock.format(end)}`;
}

/** How soon an occurrence is: "Now" while under way, "in 5 min", "in 3 h", or null when further off or over. */
export function startsIn(startsAt, endsAt, now) {
  const start = Date.parse(startsAt);
  const end = Date.parse(endsAt);
  if (now >= end) return null;
  if (now >= start) return 'Now';
  const minutes = Math.ceil((start - now) / 60000);
  if (minutes < 60) return `in ${minutes} min`;
  if (minutes < 24 * 60) return `in ${Math.round(minutes / 60)} h`;
  return null;
}

/** What a row of the upcoming list says: `{code, title, when, soon, live, canReport}`. */
export function upcomingView(item, { now, timeZone, locale } = {}) {
  const { meeting, occurrence } = item;
  const soon = startsIn(occurrence.startsAt, occurrence.endsAt, now);
  return {
    code: meeting.code,
    title: meeting.title,
    when: formatRange(occurrence.startsAt, occurrence.endsAt, { timeZone, locale }),
    soon,
    live: soon === 'Now',
    moved: occurrence.status === 'moved',
    canReport: meeting.role === 'owner' || meeting.role === 'host',
  };
}
