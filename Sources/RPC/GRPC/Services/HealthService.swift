import ConcurrencySupport
import Synchronization

/// The standard gRPC health service, `grpc.health.v1.Health`, backed by a thread-safe registry of
/// serving statuses.
///
/// The empty service name stands for the whole server and starts out SERVING. `Check` answers a
/// registered status, or NOT_FOUND for an unknown service. `Watch` sends the current status
/// (SERVICE_UNKNOWN for an unknown service) and then every change, until the client cancels.
/// `shutdown()` sets every status to NOT_SERVING and ignores later `setStatus` calls until
/// `resume()`.
public final class HealthService: HealthV1.HealthServiceProtocol {
    public typealias ServingStatus = HealthV1.HealthCheckResponse.ServingStatus

    public static let name = HealthV1.HealthMethods.serviceName

    /// How many undelivered changes a watcher keeps; older ones are dropped for a slow client
    /// (the newest status always gets through).
    static let watchBuffer = 64

    private struct State {
        var statuses: [String: ServingStatus] = [:]
        var watchers: [String: [UInt64: AsyncStream<ServingStatus>.Continuation]] = [:]
        var nextWatcherID: UInt64 = 0
        var isShutDown = false

        mutating func set(_ status: ServingStatus?, for service: String) {
            if statuses[service] == status { return }
            statuses[service] = status
            for watcher in (watchers[service] ?? [:]).values { watcher.yield(status ?? .serviceUnknown) }
        }
    }

    private let state: Lock<State>

    /// - Parameter serving: services to register as SERVING besides the whole server ("").
    public init(serving: [String] = []) {
        var state = State()
        state.statuses[""] = .serving
        for service in serving { state.statuses[service] = .serving }
        self.state = Lock(state)
    }

    /// Sets the status of `service` ("" is the whole server) and notifies its watchers. Ignored
    /// after `shutdown()` until `resume()`.
    public func setStatus(_ status: ServingStatus, for service: String = "") {
        state.withLock { s in
            if s.isShutDown { return }
            s.set(status, for: service)
        }
    }

    /// Forgets `service`: Check answers NOT_FOUND, watchers get SERVICE_UNKNOWN.
    public func clearStatus(for service: String) {
        state.withLock { s in
            if s.isShutDown { return }
            s.set(nil, for: service)
        }
    }

    /// The registered status of `service`, nil when unknown.
    public func status(for service: String = "") -> ServingStatus? {
        state.withLock { $0.statuses[service] }
    }

    /// Sets every registered service NOT_SERVING (for a graceful shutdown) and freezes the
    /// statuses until `resume()`.
    public func shutdown() {
        state.withLock { s in
            for service in s.statuses.keys { s.set(.notServing, for: service) }
            s.isShutDown = true
        }
    }

    /// Allows `setStatus` again after `shutdown()`; statuses stay as they are until set.
    public func resume() {
        state.withLock { $0.isShutDown = false }
    }

    /// The number of active Watch calls (for tests).
    public var watcherCount: Int {
        state.withLock { s in s.watchers.values.reduce(0) { $0 + $1.count } }
    }

    /// The current status of the service named in the request; NOT_FOUND when unknown.
    public func check(request: HealthV1.HealthCheckRequest, context: ServerContext) throws -> HealthV1.HealthCheckResponse {
        guard let status = status(for: request.service) else {
            throw RPCError(.notFound, "unknown service \"\(request.service)\"")
        }
        return HealthV1.HealthCheckResponse(status: status)
    }

    /// The current status, then every change, until the client cancels.
    public func watch(request: HealthV1.HealthCheckRequest, response: ResponseWriter<HealthV1.HealthCheckResponse>,
                      context: ServerContext) async throws {
        try await watch(request.service, response)
    }

    /// The generated registration, except that `Check` is answered inline on the event-loop
    /// thread (it reads one dictionary under a lock: no task hop, the transport benchmark's path).
    public var methods: [RPCMethod] {
        HealthV1.HealthMethods.registered(self).map { method in
            guard method.path == HealthV1.HealthMethods.check.path else { return method }
            return RPCMethod.unaryInline(HealthV1.HealthMethods.check) { request, context in
                try self.check(request: request, context: context)
            }
        }
    }

    private func watch(_ service: String, _ responses: ResponseWriter<HealthV1.HealthCheckResponse>) async throws {
        let (changes, continuation) = AsyncStream.makeStream(
            of: ServingStatus.self, bufferingPolicy: .bufferingNewest(Self.watchBuffer))
        let id: UInt64 = state.withLock { s in
            let id = s.nextWatcherID
            s.nextWatcherID += 1
            s.watchers[service, default: [:]][id] = continuation
            continuation.yield(s.statuses[service] ?? .serviceUnknown)
            return id
        }
        // Runs when the stream ends: cancellation of this task, or `finish()` below. Never runs
        // while the lock is held (the lock only yields to the continuation).
        continuation.onTermination = { [weak self] _ in self?.removeWatcher(id, for: service) }
        defer {
            removeWatcher(id, for: service)
            continuation.finish()
        }
        var last: ServingStatus?
        for await status in changes {
            if status == last { continue }
            last = status
            try await responses.send(HealthV1.HealthCheckResponse(status: status))
        }
        // The stream only ends when the call's task is cancelled.
    }

    private func removeWatcher(_ id: UInt64, for service: String) {
        state.withLock { s in
            s.watchers[service]?[id] = nil
            if s.watchers[service]?.isEmpty == true { s.watchers[service] = nil }
        }
    }
}
