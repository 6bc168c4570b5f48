import ArgumentParser
import Foundation
import GRPC
import Settlement
import SettlementAPI

/// `settlement challenges`: the challenge games on L1 (`Validator/ListChallenges`).
struct ChallengesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "challenges",
        abstract: "Show the challenge games: parties, phase, whose turn, deadline and result.")

    @OptionGroup var connection: ServerOptions
    @OptionGroup var options: QueryOptions

    @Option(help: ArgumentHelp("First game id.", valueName: "n"))
    var from: UInt64 = 0

    @Option(help: ArgumentHelp("Most games shown (1...1000).", valueName: "n"))
    var limit: UInt32 = 100

    func validate() throws {
        guard (1...1000).contains(limit) else { throw ValidationError("--limit must be 1...1000") }
    }

    func run() async throws {
        try await runReportingErrors {
            let r: SettlementV1.ListChallengesResponse = try await connection.withClient { client in
                try await client.validatorCall(ValidatorMethods.listChallenges,
                                               SettlementV1.ListChallengesRequest(fromId: from, limit: limit),
                                               timeout: .seconds(options.timeout))
            }
            if options.json {
                printJSON(["total": r.total, "challenges": r.challenges.map { g -> [String: Any] in
                    ["id": g.id, "commitment": g.commitmentIndex, "challenger": Format.hex(g.challenger),
                     "proposer": Format.hex(g.proposer), "phase": Format.enumName(g.phase, prefix: "GAME_PHASE_"),
                     "turn": Format.enumName(g.turn, prefix: "GAME_PARTY_"), "deadlineMs": g.deadlineMs,
                     "result": Format.enumName(g.result, prefix: "GAME_RESULT_"), "resolution": g.resolution,
                     "rangeLo": g.rangeLo, "rangeHi": g.rangeHi]
                }])
                return
            }
            guard !r.challenges.isEmpty else {
                print("no challenges (\(r.total) game(s) ever opened)")
                return
            }
            let rows = r.challenges.map { g in
                let open = g.result == .open
                return [String(g.id), String(g.commitmentIndex), Format.hex(g.challenger), Format.hex(g.proposer),
                        Format.enumName(g.phase, prefix: "GAME_PHASE_"),
                        open ? Format.enumName(g.turn, prefix: "GAME_PARTY_") : "-",
                        open ? Format.time(g.deadlineMs) : "-",
                        Format.enumName(g.result, prefix: "GAME_RESULT_") + (g.resolution.isEmpty ? "" : " (\(g.resolution))")]
            }
            print(Format.columns(["ID", "COMMITMENT", "CHALLENGER", "PROPOSER", "PHASE", "TURN", "DEADLINE", "RESULT"], rows))
        }
    }
}
