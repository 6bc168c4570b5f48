import ArgumentParser
import Foundation
import GRPC
import Settlement
import SettlementAPI

/// `settlement finality`: the commitments on L1 and how final each is (`Validator/GetFinality`).
struct FinalityCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "finality",
        abstract: "Show the L1 commitments and their status (POSTED, L1_CONFIRMED, FINALIZED, REVERTED).",
        discussion: "Statuses are derived from the L1 arbiter at the L1 head. CONF counts blocks from the including "
            + "block to the head; DEADLINE is the end of the challenge period (L1 time).")

    @OptionGroup var connection: ServerOptions
    @OptionGroup var options: QueryOptions

    @Option(help: ArgumentHelp("First commitment index.", valueName: "n"))
    var from: UInt64 = 0

    @Option(help: ArgumentHelp("Most commitments shown (1...1000).", valueName: "n"))
    var limit: UInt32 = 100

    func validate() throws {
        guard (1...1000).contains(limit) else { throw ValidationError("--limit must be 1...1000") }
    }

    func run() async throws {
        try await runReportingErrors {
            let r: SettlementV1.FinalityReport = try await connection.withClient { client in
                try await client.validatorCall(ValidatorMethods.getFinality,
                                               SettlementV1.GetFinalityRequest(fromIndex: from, limit: limit),
                                               timeout: .seconds(options.timeout))
            }
            if options.json {
                printJSON(["total": r.total, "l1BlockNumber": r.l1BlockNumber, "l1TimeMs": r.l1TimeMs,
                           "confirmationDepth": r.confirmationDepth,
                           "commitments": r.commitments.map { c -> [String: Any] in
                               ["index": c.index, "firstBatch": c.firstBatch, "lastBatch": c.lastBatch,
                                "prevRoot": Format.hex(c.prevRoot), "newRoot": Format.hex(c.newRoot),
                                "status": Format.enumName(c.status, prefix: "COMMITMENT_STATE_"),
                                "l1BlockNumber": c.l1BlockNumber, "confirmations": c.confirmations,
                                "challengeDeadlineMs": c.challengeDeadlineMs, "openGames": c.openGames,
                                "proposer": Format.hex(c.proposer)]
                           }])
                return
            }
            print("L1 head \(r.l1BlockNumber) at \(Format.time(r.l1TimeMs)); \(r.total) commitment(s); "
                  + "confirmation depth \(r.confirmationDepth)")
            guard !r.commitments.isEmpty else {
                print("no commitments" + (from > 0 ? " from index \(from)" : ""))
                return
            }
            let rows = r.commitments.map { c in
                [String(c.index), "\(c.firstBatch)-\(c.lastBatch)", Format.enumName(c.status, prefix: "COMMITMENT_STATE_"),
                 String(c.l1BlockNumber), String(c.confirmations), Format.time(c.challengeDeadlineMs), String(c.openGames),
                 Format.hex(c.newRoot)]
            }
            print(Format.columns(["INDEX", "BATCHES", "STATUS", "L1 BLOCK", "CONF", "DEADLINE", "GAMES", "NEW ROOT"], rows))
        }
    }
}
