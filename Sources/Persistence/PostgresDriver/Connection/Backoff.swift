/// Exponential backoff with jitter for reconnect attempts: the n-th delay is drawn uniformly from
/// [d/2, d] where d = min(maximum, initial · 2ⁿ), so replicas that lost the same server do not
/// reconnect in lockstep.
public struct Backoff: Sendable {
    public var initial: Duration
    public var maximum: Duration
    private var attempt = 0

    public init(initial: Duration = .milliseconds(50), maximum: Duration = .seconds(5)) {
        self.initial = initial
        self.maximum = maximum
    }

    /// The next delay to wait.
    public mutating func next() -> Duration {
        let factor = 1 << min(attempt, 30)
        attempt += 1
        let ceiling = min(maximum, initial * factor)
        let ceilingNanos = Double(ceiling.components.seconds) * 1e9 + Double(ceiling.components.attoseconds) / 1e9
        return .nanoseconds(Int64(ceilingNanos * Double.random(in: 0.5...1.0)))
    }

    public mutating func reset() { attempt = 0 }
}
