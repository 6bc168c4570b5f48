#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Logging
import GRPC
import RPCTestSupport
import SettlementAPI

/// The server's HTTP/2 input path end to end (CNet, nghttp2, the gRPC layer): each input is the
/// byte stream of one client connection to a real server on loopback. The server must neither
/// crash nor stop answering; a health check on a fresh connection after every 256 inputs proves
/// it is still serving.
enum HTTP2Target {
    static let target = FuzzTarget(name: "http2", summary: "one client connection's bytes into the real server") { bytes in
        let fd = connectToServer(port: Server.shared.port)
        defer { close(fd) }
        // An even first byte puts the client preface and an empty SETTINGS in front, so most
        // inputs get past the preface check into the frame parser.
        var stream: [UInt8] = []
        if let first = bytes.first, first & 1 == 0 { stream = preface }
        stream += bytes.dropFirst()
        _ = stream.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        shutdown(fd, Int32(SHUT_WR))
        drain(fd, milliseconds: 20)
        Server.shared.checkAlive()
    }

    /// A TCP connection to the server under test on loopback; traps (a finding) when refused.
    static func connectToServer(port: Int) -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        precondition(fd >= 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        // A signal (libFuzzer's timers) can interrupt connect: the connection then completes on its
        // own, and EINTR is the harness's, not the server's. Wait for it and read its outcome.
        var failure = connected == 0 ? 0 : errno
        if failure == EINTR {
            var ready = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            while poll(&ready, 1, 5_000) < 0 && errno == EINTR {}
            var code: Int32 = 0
            var size = socklen_t(MemoryLayout<Int32>.size)
            failure = getsockopt(fd, SOL_SOCKET, SO_ERROR, &code, &size) == 0 ? code : errno
        }
        precondition(failure == 0, "the server stopped accepting connections (errno \(failure))")
        // Close with RST: tens of thousands of inputs would otherwise leave as many client sockets
        // in TIME_WAIT and run out of loopback ports (a failure of the harness, not the server).
        var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
        _ = setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
        return fd
    }

    private static let preface: [UInt8] = Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8) + [0, 0, 0, 4, 0, 0, 0, 0, 0]

    /// Reads what the server answers until it closes or `milliseconds` pass.
    static func drain(_ fd: Int32, milliseconds: Int32) {
        var buffer = [UInt8](repeating: 0, count: 16_384)
        var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        while poll(&poller, 1, milliseconds) > 0 {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { return }
        }
    }

    /// The server under test, started once per process.
    final class Server: @unchecked Sendable {
        static let shared = Server()
        let port: Int
        private let server: RPCServer
        private var inputs = 0
        private let lock = NSLock()

        private init() {
            var config = RPCServerConfiguration(host: "127.0.0.1", port: 0)
            config.eventLoops = 1
            config.maxReceiveMessageSize = 1 << 16
            var logger = Logger(label: "fuzz.http2")
            logger.logLevel = .critical
            server = RPCServer(configuration: config, services: [HealthService(), EchoService()], logger: logger)
            try! server.start()
            port = server.port
        }

        /// Every 256 inputs: a plain HTTP/2 GET on a fresh connection must get an answer.
        func checkAlive() {
            lock.lock()
            inputs += 1
            let due = inputs % 256 == 0
            lock.unlock()
            guard due else { return }
            let fd = HTTP2Target.connectToServer(port: port)
            defer { close(fd) }
            _ = HTTP2Target.preface.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            var buffer = [UInt8](repeating: 0, count: 64)
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            precondition(poll(&poller, 1, 5_000) > 0, "the server did not answer a fresh connection within 5 s")
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            precondition(n > 0, "the server closed a fresh connection without its SETTINGS")
        }
    }
}
