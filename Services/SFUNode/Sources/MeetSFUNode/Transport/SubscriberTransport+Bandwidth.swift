import Logging
import MeetProtocol
import MeetRTC
import MeetRTCP
import MeetSFU
import Metrics

/// Bandwidth estimation toward this subscriber and the allocation of it
/// among the tracks it carries (#16 items 3 and 4, docs/dev/simulcast-status.md).
///
/// - Numbering: once connected (and after each answer) the plane stamps
///   what it sends here with transport-wide numbers in the transport-cc id
///   of our offer (``ForwardingPlane/setTransportWideID(_:handle:)``).
/// - Feedback: the subscriber's transport-wide feedback and REMB feed the
///   connection's ``SendSideEstimator``.
/// - Allocation (every 200 ms from the node's timer, once any feedback came):
///   the ``BandwidthAllocator`` shares the estimate, by priority (screen
///   share, the loudest speaker, visible tiles, the rest, then cameras
///   turned off: hard-muted, or sending black frames or nothing,
///   ``LayerDemand/looksMuted(_:)``), over each simulcast video's layers
///   its tile can use, those dynacast paused included, those the publisher
///   stopped on its own not (``LayerDemand/costs(of:maxHeight:)``); its budget becomes its ``LayerSelector`` constraint beside the
///   tile's height; a video that does not fit at all is paused through the
///   router, as last-N pauses (and resumed with a keyframe request).
///   Videos last-N paused are left out: they cost nothing.
/// Event loop only.
extension SubscriberTransport {
    /// Starts (or moves) the transport-wide numbering to our offer's transport-cc id.
    func enableTransportWideNumbering() {
        assertOnOwningLoop()
        guard handle >= 0 else { return }
        let id = offeredExtensionIDs.values.lazy.compactMap { $0[MediaPolicy.transportCCURI] }.first ?? 0
        plane.setTransportWideID((1...14).contains(id) ? id : 0, handle: handle)
    }

    /// The subscriber's transport-wide feedback: the estimate's input.
    func transportWideFeedback(_ feedback: RTCPTransportWideFeedback, now: ContinuousClock.Instant) {
        let results = plane.transportWideResults(handle: handle, feedback: feedback)
        guard !results.isEmpty else { return }
        ForwardingMetrics.shared.subscriberTransportFeedback.increment()
        bandwidth.hasFeedback = true
        bandwidth.estimator.feedback(results, now: now)
        probeFeedback(results, now: now)
    }

    /// The subscriber's REMB: the estimate when it gives no transport-wide feedback, else a cap.
    func receiverEstimate(_ remb: RTCPReceiverEstimatedMaxBitrate, now: ContinuousClock.Instant) {
        ForwardingMetrics.shared.subscriberREMB.increment()
        bandwidth.hasFeedback = true
        bandwidth.estimator.receiverEstimate(remb.bitrate, now: now)
    }

    /// The node's timer: redoes the allocation every ``SubscriberBandwidth/interval``.
    /// `speaker`: the participant heard loudest in the room now, if any.
    func allocateBandwidth(speaker: String?, now: ContinuousClock.Instant) {
        assertOnOwningLoop()
        guard handle >= 0, connection?.state == .connected, bandwidth.hasFeedback, bandwidth.isDue(now: now) else {
            return
        }
        var tracks: [BandwidthAllocator<SubscribedTrack>.Track] = []
        var groups: [SubscribedTrack: (publisher: PublisherTransport, ssrc: UInt32)] = [:]
        var carried: Set<SubscribedTrack> = []
        // What went out lately (bits/s), for the REMB fallback.
        var sending = 0
        for publisher in publishers {
            for (ssrc, downTrack) in publisher.router.downTracks(of: handle) {
                guard let routed = publisher.routed[ssrc] else { continue }
                let key = SubscribedTrack(publisher: publisher.id, mid: routed.mid)
                carried.insert(key)
                let isVideo = publisher.remoteTracks.contains { $0.mid == routed.mid && $0.kind == .video }
                let rate = bandwidth.measuredRate(of: key, bytesSent: downTrack.bytesSent, now: now)
                if !downTrack.isPaused { sending += rate }
                guard isVideo else {
                    tracks.append(.init(key: key, isAudio: true, layers: [rate]))
                    continue
                }
                // Last-N's pauses cost nothing and are not the allocator's to lift.
                if videoSelection.isPaused(key) {
                    bandwidth.forgetPause(key)
                    continue
                }
                var layers = [rate]
                let isScreen = publisher.sources[routed.mid] == .screen
                // Turned off by its publisher: hard-muted, or a camera sending black frames or
                // nothing (not a screen share: a still slide sends little too).
                var muted = publisher.isMuted(mid: routed.mid)
                if routed.simulcast == .group {
                    groups[key] = (publisher: publisher, ssrc: ssrc)
                    let known = publisher.router.knownLayers(ofGroup: ssrc, now: now)
                    layers = LayerDemand.costs(
                        of: known, maxHeight: videoSelection.maxHeight(of: key), prefersResolution: isScreen)
                    let stopped = known.allSatisfy { $0 == nil }
                        && publisher.router.layers(ofGroup: ssrc).contains { $0.monitor.lastPacketAt != nil }
                    muted = muted || (!isScreen && (stopped || LayerDemand.looksMuted(known)))
                } else if !isScreen && bandwidth.hasMeasuredRate(of: key) {
                    // Only once a rate is measured: a new video's 0 is not a black one. Paused, nothing
                    // of it goes out, so what its publisher sends the node says: a black camera the
                    // allocator paused keeps ranking last, instead of coming back first in the
                    // caller's order and pushing a live one out, and one turned back on while paused
                    // ranks as live again (MutedRankingLoopbackTests).
                    let shown = downTrack.isPaused
                        ? bandwidth.incomingRate(
                            of: key, bytesReceived: publisher.router.track(ssrc: ssrc)?.statistics.bytes ?? 0, now: now)
                        : rate
                    muted = muted || shown < LayerDemand.mutedBitrate
                }
                let priority: BandwidthAllocator<SubscribedTrack>.Priority =
                    muted ? .muted
                    : isScreen ? .screenShare
                    : publisher.participantId == speaker ? .activeSpeaker
                    : videoSelection.maxHeight(of: key) != nil ? .visible : .other
                tracks.append(.init(key: key, priority: priority, layers: layers))
            }
        }
        let estimate = bandwidth.estimator.estimate(now: now, sending: sending)
        ForwardingMetrics.shared.subscriberEstimate.record(estimate)
        let congested = bandwidth.estimator.congested(within: SubscriberBandwidth.calmPeriod, now: now)
        let decisions = bandwidth.allocator.allocate(estimate: estimate, tracks: tracks, congested: congested, now: now)
        var budgets: [SubscribedTrack: Int] = [:]
        var paused: Set<SubscribedTrack> = []
        for track in tracks where !track.isAudio {
            switch decisions[track.key] {
            case .paused?:
                paused.insert(track.key)
                // Also when last-N resumed it meanwhile: the router says what holds.
                if !bandwidth.paused.contains(track.key) || !isRouterPaused(track.key) {
                    setBandwidthPaused(true, track: track.key, now: now)
                }
            case .forward(let budget)?:
                budgets[track.key] = budget
                if bandwidth.paused.contains(track.key) { setBandwidthPaused(false, track: track.key, now: now) }
                if let group = groups[track.key] {
                    group.publisher.router.setLayerConstraints(
                        LayerSelector.Constraints(
                            maxHeight: videoSelection.maxHeight(of: track.key),
                            availableBitrate: SubscriberBandwidth.selectorBudget(budget),
                            prefersResolution: group.publisher.sources[track.key.mid] == .screen),
                        publisherSSRC: group.ssrc, subscriber: handle, now: now)
                }
            case nil:
                break
            }
        }
        bandwidth.record(budgets: budgets, paused: paused, carried: carried)
        probeIfWanted(tracks: tracks, estimate: estimate, sending: sending, now: now)
        logEstimate(estimate, paused: paused.count)
    }

    private func isRouterPaused(_ track: SubscribedTrack) -> Bool {
        guard let publisher = publishers.first(where: { $0.id == track.publisher }) else { return false }
        return publisher.routed.contains { ssrc, routed in
            routed.mid == track.mid && !routed.isSimulcastLayer
                && publisher.router.isPaused(publisherSSRC: ssrc, subscriber: handle) == true
        }
    }

    private func setBandwidthPaused(_ paused: Bool, track: SubscribedTrack, now: ContinuousClock.Instant) {
        guard let publisher = publishers.first(where: { $0.id == track.publisher }) else { return }
        logger.info(paused ? "allocator paused a video" : "allocator resumed a video", metadata: [
            "transport": "\(id)", "track": "\(track)",
            "estimate": "\(bandwidth.estimator.estimate(now: now))",
        ])
        let metrics = ForwardingMetrics.shared
        if paused { metrics.allocatorPauses.increment() } else { metrics.allocatorResumes.increment() }
        for (ssrc, routed) in publisher.routed where routed.mid == track.mid && !routed.isSimulcastLayer {
            if publisher.router.setPaused(paused, publisherSSRC: ssrc, subscriber: handle, now: now) {
                publisher.sendKeyframeRequest(publisherSSRC: ssrc)
            }
        }
    }

    /// Logs the estimate when it moved by a fifth or more since last logged.
    private func logEstimate(_ estimate: Int, paused: Int) {
        let last = bandwidth.loggedEstimate
        guard last == 0 || abs(estimate - last) * 5 >= last else { return }
        bandwidth.loggedEstimate = estimate
        logger.info("subscriber estimate", metadata: [
            "transport": "\(id)", "estimate": "\(estimate)",
            "acked": "\(bandwidth.estimator.ackedBitrate.map { Int($0) } ?? 0)",
            "loss": "\(bandwidth.estimator.lossFraction)", "usage": "\(bandwidth.estimator.usage)",
            "videosPaused": "\(paused)",
        ])
    }
}
