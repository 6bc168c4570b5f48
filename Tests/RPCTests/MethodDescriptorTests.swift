import Logging
import Settlement
import SettlementTestSupport
import XCTest

@testable import GRPC
import RPCTestSupport
@testable import SettlementAPI

/// The generated method descriptors name the RPCs of the `.proto` files, and every service serves
/// exactly those RPCs, with their call kinds: a method missing from a service, or registered under
/// another path or kind, fails here.
final class MethodDescriptorTests: XCTestCase {
    /// `methods` has the paths `paths` (each once, in any order) and the kinds of `kinds` where given.
    private func assertServes(_ methods: [RPCMethod], _ paths: [String], kinds: [String: CallKind] = [:],
                              file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(methods.map(\.path).sorted(), paths.sorted(), file: file, line: line)
        for m in methods {
            if let kind = kinds[m.path] { XCTAssertEqual(m.kind, kind, m.path, file: file, line: line) }
        }
    }

    func testEveryGeneratedPathIsAnRPCOfTheEmbeddedDescriptorSet() throws {
        let index = try DescriptorIndex(descriptorSet: ReflectionService.embeddedDescriptorSet)
        let paths = SettlementV1.SettlementMethods.paths + SettlementV1.ValidatorMethods.paths + HealthV1.HealthMethods.paths
            + ReflectionV1.ServerReflectionMethods.paths + RPCTestV1.EchoMethods.paths
            + SettlementInternalV1.SequencerMethods.paths
        XCTAssertEqual(paths.count, 12 + 12 + 2 + 1 + 4 + 1)
        for path in paths {
            // "/package.Service/Method" is the symbol "package.Service.Method".
            let symbol = path.dropFirst().replacingOccurrences(of: "/", with: ".")
            XCTAssertNotNil(index.file(containing: symbol), path)
        }
        XCTAssertEqual(SettlementV1.SettlementMethods.submitTransactions.kind, .bidirectionalStreaming)
        XCTAssertEqual(SettlementV1.SettlementMethods.subscribeStatus.kind, .serverStreaming)
        XCTAssertEqual(RPCTestV1.EchoMethods.collect.kind, .clientStreaming)
        XCTAssertEqual(SettlementV1.ValidatorMethods.deposit.fullName, "settlement.v1.Validator/Deposit")  // literal on purpose
        XCTAssertEqual(SettlementV1.ValidatorMethods.deposit.path, "/" + SettlementV1.ValidatorMethods.deposit.fullName)
    }

    func testServicesServeExactlyTheirGeneratedMethods() async throws {
        let f = try await SettlementFixture.start(senders: 1)
        let m = SettlementV1.SettlementMethods.self
        assertServes(f.service.methods, m.paths, kinds: [
            m.submitTransaction.path: .unary, m.submitTransactions.path: .bidirectionalStreaming,
            m.subscribeStatus.path: .serverStreaming, m.getChainInfo.path: .unary,
            m.submitShielded.path: .unary, m.getShieldedState.path: .unary, m.scanShieldedNotes.path: .serverStreaming,
            m.getNullifierStatus.path: .unary,
        ])
        var logger = Logger(label: "descriptor-test")
        logger.logLevel = .critical
        let validator = ValidatorService(engine: f.engine, configuration: .init(), logger: logger)
        assertServes(validator.methods, SettlementV1.ValidatorMethods.paths)
        XCTAssertTrue(validator.methods.allSatisfy { $0.kind == .unary })
        let sequencer = SequencerForwardService(engine: f.engine, clusterSecret: nil)
        assertServes(sequencer.methods, SettlementInternalV1.SequencerMethods.paths,
                     kinds: [SettlementInternalV1.SequencerMethods.forward.path: .bidirectionalStreaming])
        await f.stop()

        assertServes(HealthService().methods, HealthV1.HealthMethods.paths,
                     kinds: [HealthV1.HealthMethods.watch.path: .serverStreaming])
        assertServes(EchoService().methods, RPCTestV1.EchoMethods.paths, kinds: [
            RPCTestV1.EchoMethods.expand.path: .serverStreaming, RPCTestV1.EchoMethods.collect.path: .clientStreaming,
            RPCTestV1.EchoMethods.update.path: .bidirectionalStreaming,
        ])
        let reflection = try ReflectionService(services: [])
        assertServes(reflection.methods, ReflectionV1.ServerReflectionMethods.paths
                        + ["/\(ReflectionService.v1alphaServiceName)/ServerReflectionInfo"])
    }
}
