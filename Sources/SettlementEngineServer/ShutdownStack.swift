import Logging

/// What a process has started, to stop in the reverse order: each component pushes its stop as
/// soon as it is running, so a failure half-way through start-up and a normal shutdown unwind
/// the same list (servers, then the node, the L1, the store, the database).
final class ShutdownStack {
    /// One stop action; `grace` is how long open work may take (zero after a failed start-up).
    typealias Stop = (_ grace: Duration) async -> Void
    private var stops: [(name: String, stop: Stop)] = []
    private let logger: Logger

    init(logger: Logger) { self.logger = logger }

    /// Registers the stop of a component that has just started.
    func push(_ name: String, _ stop: @escaping Stop) {
        stops.append((name, stop))
    }

    /// Runs every stop, newest first, and empties the stack.
    func unwind(grace: Duration) async {
        while let (name, stop) = stops.popLast() {
            logger.debug("stopping", metadata: ["component": "\(name)"])
            await stop(grace)
        }
    }
}
