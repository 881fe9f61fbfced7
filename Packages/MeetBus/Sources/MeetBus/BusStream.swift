/// Messages of one subscription, in delivery order, and a way to withdraw
/// it: the one subscription shape of the bus and its users.
///
/// It wraps the source's own sequence and converts each element (skipping
/// those the conversion refuses) when the consumer asks for the next one:
/// no task and no second buffer between the source and the consumer, so a
/// room's messages are pumped once, by whoever iterates, and bounded once,
/// by the source (the Redis subscription's buffer, `MEET_WS_BUS_BUFFER_MESSAGES`
/// in meet-ws).
public struct BusStream<Element: Sendable>: AsyncSequence, Sendable {
    private let iterator: @Sendable () -> AsyncIterator
    private let onCancel: @Sendable () -> Void

    /// - Parameters:
    ///   - base: the source's messages.
    ///   - cancel: withdraws the subscription; iteration ends after what is buffered.
    ///   - transform: converts one of `base`'s elements; `nil` skips it.
    public init<Base: AsyncSequence & Sendable>(
        _ base: Base, cancel: @escaping @Sendable () -> Void,
        transform: @escaping @Sendable (Base.Element) -> Element?
    ) where Base.Failure == Never {
        self.iterator = { AsyncIterator(base.makeAsyncIterator(), transform: transform) }
        self.onCancel = cancel
    }

    /// `base` as it is.
    public init<Base: AsyncSequence & Sendable>(_ base: Base, cancel: @escaping @Sendable () -> Void)
    where Base.Failure == Never, Base.Element == Element {
        self.init(base, cancel: cancel) { $0 }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        self.iterator()
    }

    /// Withdraws the subscription; iteration ends after buffered messages.
    public func cancel() {
        self.onCancel()
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        private let nextElement: () async -> Element?

        init<Base: AsyncIteratorProtocol>(
            _ base: Base, transform: @escaping @Sendable (Base.Element) -> Element?
        ) where Base.Failure == Never {
            var base = base
            self.nextElement = {
                while let element = await base.next(isolation: nil) {
                    if let converted = transform(element) { return converted }
                }
                return nil
            }
        }

        public mutating func next() async -> Element? {
            await self.nextElement()
        }
    }
}
