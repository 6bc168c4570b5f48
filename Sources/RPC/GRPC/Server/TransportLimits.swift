import CNet

/// Limits that keep one hostile client from taking the server's memory, connections or time
/// (docs/transport-limits.md lists each with its default and what the offender gets).
///
/// Conventions: a nil duration or a zero count or size means the default; a `.zero` duration or a
/// negative count or size disables the limit.
public struct TransportLimits: Sendable {
    /// The client's HTTP/2 preface and SETTINGS after the TLS handshake (after accept for h2c). [5 s]
    public var prefaceTimeout: Duration?
    /// The first request's headers after accept; then GOAWAY. [10 s]
    public var firstRequestTimeout: Duration?
    /// A stream whose request side is open and that receives nothing (while its window is open):
    /// RST_STREAM(CANCEL). [60 s]
    public var streamIdleTimeout: Duration?
    /// Queued response DATA that the client's flow control lets nothing of through: the stream gets
    /// RST_STREAM(ENHANCE_YOUR_CALM); a socket that takes nothing: the connection is closed. [30 s]
    public var writeStallTimeout: Duration?
    /// Connections from one client address. [maxConnections / 4]
    public var maxConnectionsPerAddress = 0
    /// The last connections of `maxConnections`, kept for addresses holding none. [maxConnections / 10]
    public var reservedConnections = 0
    /// Open streams across one address's connections; past it RST_STREAM(REFUSED_STREAM).
    /// [16 × maxConcurrentStreams]
    public var maxStreamsPerAddress = 0
    /// Response bytes queued for one stream; past it RST_STREAM(ENHANCE_YOUR_CALM). [8 MiB]
    public var maxQueuedBytesPerStream = 0
    /// Response bytes queued across a connection; past it GOAWAY(ENHANCE_YOUR_CALM). [32 MiB]
    public var maxQueuedBytesPerConnection = 0
    /// Response bytes queued across the process; past it the submitting stream is reset. [512 MiB]
    public var maxQueuedBytesPerProcess = 0
    /// WINDOW_UPDATE, PRIORITY, PING, SETTINGS and RST_STREAM frames per connection per second;
    /// past it GOAWAY(ENHANCE_YOUR_CALM). [2000]
    public var maxControlFramesPerSecond = 0
    /// After connections close, free heap is returned to the system at most this often. [5 s]
    public var trimInterval: Duration?
    /// Request bytes buffered for one connection's calls; past it the stream asking for more gets
    /// RESOURCE_EXHAUSTED. [32 MiB]
    public var maxBufferedRequestBytesPerConnection = 32 << 20
    /// Request bytes buffered across the process; past it likewise. [512 MiB]
    public var maxBufferedRequestBytesPerProcess = 512 << 20

    public init() {}

    func apply(to c: inout cnet_server_config) {
        c.preface_timeout_ms = Self.ms(prefaceTimeout)
        c.first_request_timeout_ms = Self.ms(firstRequestTimeout)
        c.stream_idle_timeout_ms = Self.ms(streamIdleTimeout)
        c.write_stall_timeout_ms = Self.ms(writeStallTimeout)
        c.max_connections_per_ip = Int32(clamping: maxConnectionsPerAddress)
        c.reserved_connections = Int32(clamping: reservedConnections)
        c.max_streams_per_ip = Int32(clamping: maxStreamsPerAddress)
        c.max_queued_per_stream = Int64(maxQueuedBytesPerStream)
        c.max_queued_per_connection = Int64(maxQueuedBytesPerConnection)
        c.max_queued_per_process = Int64(maxQueuedBytesPerProcess)
        c.max_control_frames_per_second = Int32(clamping: maxControlFramesPerSecond)
        c.trim_interval_ms = Self.ms(trimInterval)
    }

    /// nil: 0 (CNet's default); .zero: -1 (disabled); else milliseconds, at least 1.
    static func ms(_ d: Duration?) -> Int32 {
        guard let d else { return 0 }
        if d <= .zero { return -1 }
        let ms = d.components.seconds * 1000 + d.components.attoseconds / 1_000_000_000_000_000
        return Int32(clamping: max(1, ms))
    }
}

/// Counters of a running server's limits (for metrics and tests).
public struct TransportStats: Sendable {
    public var connections = 0
    public var refusedConnections = 0
    public var refusedStreams = 0
    public var timeouts = 0
    public var budgetResets = 0
    public var floodGoaways = 0
    public var trims = 0
    /// Response bytes queued in CNet now, process-wide.
    public var queuedResponseBytes = 0
    /// Request bytes buffered by this server's calls now.
    public var bufferedRequestBytes = 0
}
