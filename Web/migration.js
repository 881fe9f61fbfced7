// What to move when the server sends `migrate` (docs/signaling.md, "Migration"):
// a node the person uses is draining (scale-in, rolling update) or was lost.
// A pure function of the message and what the client holds (no I/O: Room
// applies the plan).
//
// - Without `publisherParticipantId` the message is about our own
//   publication: publish again on a new connection with `replaces` set to
//   the old transport (the server places it on `targetNodeId`).
// - With `publisherParticipantId` it is about one of our subscriptions:
//   subscribe to that publisher again (its new node), then drop the old one.
// Either way the old connection keeps carrying media until the new one does
// (make-before-break), except after `node_lost`, when it carries nothing.

import { idKey } from './dom.js';

/**
 * @param data  the `migrate` message's data {reason, nodeId, transportId, publisherParticipantId?, targetNodeId?}
 * @param state {publisher: {active, transportId}, subscriptions: [{participantId, transportId, nodeId}]}
 * @returns {republish: {replaces, lost}|null, resubscribe: [{participantId, targetNodeId, lost}]}
 */
export function planMigration(data, state) {
  data = data && typeof data === 'object' ? data : {};
  const lost = data.reason === 'node_lost';
  const plan = { republish: null, resubscribe: [] };
  const publisher = state.publisher || {};
  if (!data.publisherParticipantId) {
    if (publisher.active && data.transportId && data.transportId === publisher.transportId) {
      plan.republish = { replaces: publisher.transportId, lost };
    }
    return plan;
  }
  const who = idKey(data.publisherParticipantId);
  for (const sub of state.subscriptions || []) {
    if (idKey(sub.participantId) !== who) continue;
    // Already where the publisher went (a `tracks` event got there first): nothing to do.
    if (data.targetNodeId && sub.nodeId === data.targetNodeId) continue;
    plan.resubscribe.push({ participantId: sub.participantId, targetNodeId: data.targetNodeId || null, lost });
  }
  return plan;
}
