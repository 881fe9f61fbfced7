// Every error the person can meet, in words. REST errors are
// {"error":{"code","message"}}; signaling errors {"type":"error","data":{"code","message"}}.
// A known code gets a sentence written for people; an unknown one falls
// back to the server's own message.

const REST = {
  malformed_json: 'The request could not be read. Please try again.',
  unauthorized: 'Please sign in again.',
  invalid_credentials: 'That email and password do not match an account.',
  invalid_refresh_token: 'Your session has expired. Please sign in again.',
  forbidden: 'You are not allowed to do that.',
  wrong_password: 'That meeting password is not right.',
  password_required: 'This meeting needs a password. Please enter it below.',
  passphrase_required: 'This meeting is end-to-end encrypted. Enter the passphrase the host gave you.',
  e2ee_unsupported: 'This meeting is end-to-end encrypted, and this browser cannot encrypt media. Try a current Chrome, Edge, Firefox or Safari.',
  e2ee_meeting: 'This meeting is end-to-end encrypted, so the server cannot record it.',
  owner_protected: 'The meeting owner cannot be changed or removed.',
  banned: 'A host removed you from this meeting, so you cannot join it again.',
  not_found: 'There is no meeting with that code. Check the link.',
  email_taken: 'An account with that email already exists. Try signing in.',
  already_member: 'That person is already a member.',
  meeting_full: 'This meeting is full.',
  meeting_ended: 'This meeting has ended.',
  payload_too_large: 'That is too long.',
  rate_limited: 'Too many attempts. Please wait a minute and try again.',
  database_unavailable: 'The service is busy right now. Please try again in a moment.',
  internal_error: 'Something went wrong on our side. Please try again.',
  network: 'Cannot reach the server. Check your connection.',
};

const SIGNALING = {
  malformed_json: 'The app sent something the server could not read.',
  unknown_type: 'The server does not know that request.',
  invalid_data: 'That request was not valid.',
  payload_too_large: 'That message is too long.',
  rate_limited: 'Slow down a little: too many actions at once.',
  forbidden: 'Only hosts can do that.',
  not_found: 'That person is no longer in the meeting.',
  not_joined: 'You are not in the meeting yet.',
  waiting: 'You are still in the waiting room.',
  already_joined: 'You are already in the meeting.',
  not_supported: 'The server does not support that yet.',
  not_publishing: 'That person is not sending video or audio.',
  e2ee_required: 'This meeting is end-to-end encrypted, and this app did not encrypt. Reload the page.',
  meeting_ended: 'This meeting has ended.',
  meeting_full: 'This meeting is full.',
  unavailable: 'The server is briefly unavailable; trying again may help.',
  internal_error: 'Something went wrong on our side.',
  disconnected: 'Connection lost; reconnecting…',
  timeout: 'The server did not answer in time.',
};

/** A sentence for a REST error (an ApiError or anything thrown). */
export function restMessage(error, context = '') {
  const code = error && error.code;
  if (code === 'validation_failed') {
    const field = error.field ? ` (${humanField(error.field)})` : '';
    return `Please check the form${field}: ${error.message || 'a value is not valid'}.`;
  }
  if (code === 'not_found' && context === 'meeting-list') return 'Nothing found.';
  const special = CONTEXT[context] && CONTEXT[context][code];
  return special || REST[code] || (error && error.message) || 'Something went wrong.';
}

/** Sentences that depend on where the error happened (a 404 is no meeting on a link, no invitation on an answer). */
const CONTEXT = {
  invitation: {
    not_found: 'This invitation was not found: the link may be incomplete, or it was already answered from another account.',
    forbidden: 'This invitation is not yours to answer.',
  },
  report: {
    forbidden: 'Only the owner and hosts of a meeting can see its report.',
  },
  invite: {
    already_member: 'That person is already a member or already invited.',
  },
};

/** A sentence for a signaling error (a SignalError). */
export function signalingMessage(error) {
  const code = error && error.code;
  return SIGNALING[code] || (error && error.message) || 'Something went wrong.';
}

function humanField(field) {
  return {
    email: 'email', password: 'password', displayName: 'name', title: 'title', capacity: 'capacity',
    startsAt: 'start', endsAt: 'end', timeZone: 'time zone', description: 'agenda', recurrence: 'repeat',
    date: 'date', time: 'start time', duration: 'duration', count: 'number of occurrences', repeat: 'repeat',
    invitees: 'invitees', secret: 'invitation link',
  }[field] || field;
}

/** Why the meeting is over for this person, from a terminal event or close code. */
export const ENDINGS = {
  kicked: { title: 'You were removed from the meeting', detail: 'A host removed you from this meeting.' },
  denied: { title: 'You were not let in', detail: 'A host declined your request to join.' },
  ended: { title: 'The meeting has ended', detail: 'A host ended the meeting for everyone.' },
  left: { title: 'You left the meeting', detail: 'You can rejoin while the meeting is on.' },
  replaced: { title: 'You joined from somewhere else', detail: 'This meeting is now open in another tab or device.' },
  refused: { title: 'You cannot rejoin this meeting', detail: 'Your place in the meeting is no longer valid.' },
  full: { title: 'The meeting is full', detail: 'Every seat is taken. Try again later.' },
  lost: { title: 'Connection lost', detail: 'We could not reconnect to the meeting.' },
};
