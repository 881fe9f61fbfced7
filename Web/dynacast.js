// Dynacast (#16 item 5, docs/signaling.md "Dynacast"): the node tells the
// publisher which simulcast layers someone receives (`publisher-layers`),
// and the client stops encoding the others with RTCRtpSender.setParameters
// (encodings[i].active). A pure part (which encodings change) and the part
// that applies it to a connection.

/**
 * The sender parameters with `active` set from `activeRids` (every
 * encoding whose rid is listed on, the others off), or null when nothing
 * changes. An encoding without a rid (no simulcast) is never touched, and
 * an empty list turns nothing off (the node always keeps one layer; an
 * empty one would be a bug, and a frozen camera the worst answer to it).
 */
export function withActiveLayers(parameters, activeRids) {
  const encodings = parameters && parameters.encodings;
  if (!encodings || !activeRids || activeRids.length === 0) return null;
  const wanted = new Set(activeRids);
  let changed = false;
  const next = encodings.map((encoding) => {
    if (!encoding.rid) return encoding;
    const active = wanted.has(encoding.rid);
    if (encoding.active === active || (encoding.active === undefined && active)) return encoding;
    changed = true;
    return { ...encoding, active };
  });
  return changed ? { ...parameters, encodings: next } : null;
}

/**
 * Applies a `publisher-layers` event to `pc`, whose publisher transport is
 * `transportId` (an event for another transport, an old one during a
 * migration, is ignored). Returns the mids changed. A section whose sender
 * is busy (a negotiation in flight) is skipped; the node re-sends its state
 * every 10 s, and `layers` (the caller's map mid → active RIDs) is kept so
 * the caller can apply it again after a renegotiation.
 */
export async function applyPublisherLayers(pc, transportId, data, layers = new Map()) {
  if (!pc || !data || data.transportId !== transportId) return [];
  const changed = [];
  for (const section of data.sections || []) {
    layers.set(section.mid, section.active);
    const transceiver = pc.getTransceivers().find((t) => t.mid === section.mid);
    if (!transceiver || !transceiver.sender) continue;
    const next = withActiveLayers(transceiver.sender.getParameters(), section.active);
    if (!next) continue;
    try {
      await transceiver.sender.setParameters(next);
      changed.push(section.mid);
    } catch (error) {
      console.warn('publisher layers not applied', section.mid, error);
    }
  }
  return changed;
}
