// What to move when the server sends `migrate` (graceful drain or node
// failure). The message's exact shape arrives in a later server version, so
// this reads it defensively, as a pure function of the message and what the
// client holds (no I/O: Room applies the plan; tests call it directly).
//
// - The publisher moves when the message names the publisher role
//   (`role`/`kind`/`action` starting "publish"), the publisher's transport,
//   or this participant (without a subscriber role).
// - A subscription moves when the message names its transport or its
//   publisher (`publisherParticipantId(s)`, or `participantId` with a
//   subscriber role).
// - A message that names none of these moves whatever sits on the node it
//   names (`fromNodeId`/`nodeId`), or everything when it names no node.
// The target node, when given (`toNodeId`/`targetNodeId`), is the hint for
// the new publication.

const key = (id) => String(id || '').toLowerCase();

/**
 * @param data  the `migrate` message's data
 * @param state {me, publisher: {active, transportId, nodeId}, subscriptions: [{participantId, transportId, nodeId}]}
 * @returns {republish: boolean, nodeId: string|null, resubscribe: [participantId]}
 */
export function planMigration(data, state) {
  data = data && typeof data === 'object' ? data : {};
  const role = String(data.role || data.kind || data.action || '').toLowerCase();
  const toNode = data.toNodeId || data.targetNodeId || null;
  const fromNode = data.fromNodeId || data.nodeId || null;
  const transports = new Set([data.transportId, ...asArray(data.transportIds)].filter(Boolean));
  const publishers = new Set([data.publisherParticipantId, ...asArray(data.publisherParticipantIds)].filter(Boolean).map(key));
  const target = key(data.participantId);
  const me = key(state.me);
  const publisher = state.publisher || {};
  const subscriptions = state.subscriptions || [];

  const plan = { republish: false, nodeId: toNode, resubscribe: [] };
  const subscriberRole = role.startsWith('subscri');
  if (publisher.active && (role.startsWith('publish') || transports.has(publisher.transportId)
      || (target && target === me && !subscriberRole))) {
    plan.republish = true;
  }
  for (const sub of subscriptions) {
    const who = key(sub.participantId);
    if (transports.has(sub.transportId) || publishers.has(who) || (subscriberRole && target === who)) {
      plan.resubscribe.push(sub.participantId);
    }
  }
  if (plan.republish || plan.resubscribe.length) return plan;

  // Nothing named: move what sits on the named node, or everything.
  plan.republish = !!publisher.active && (!fromNode || publisher.nodeId === fromNode);
  plan.resubscribe = subscriptions.filter((sub) => !fromNode || sub.nodeId === fromNode).map((sub) => sub.participantId);
  return plan;
}

function asArray(value) {
  return Array.isArray(value) ? value : [];
}
