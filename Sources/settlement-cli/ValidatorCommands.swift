import ArgumentParser
import Foundation
import GRPC
import Settlement
import SettlementAPI

/// `settlement validator register|stake|unstake|withdraw|status`: a validator's stake on L1,
/// through the engine's `settlement.v1.Validator` service.
///
/// The engine submits the L1 transactions *as* `--address`: only the L1 simulator allows that (it
/// trusts the sender field). With a real L1 the validator signs its own transactions.
struct ValidatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validator",
        abstract: "Register a validator, add or unstake stake, withdraw it, show its status (L1 simulator).",
        discussion: "The engine sends the L1 transactions as --address: a convenience of the L1 simulator, which "
            + "trusts the sender field, served only on the engine's admin listener (--admin-server) and never by a "
            + "--production engine. Refusals by the L1 arbiter (below the minimum stake, still locked, ...) "
            + "exit with code 2 and the arbiter's reason.",
        subcommands: [Register.self, Stake.self, Unstake.self, Withdraw.self, StatusCommand.self])

    /// `--address` and the query options, shared by every validator subcommand.
    struct Common: ParsableArguments {
        @OptionGroup var connection: ServerOptions
        @OptionGroup var options: QueryOptions

        @Option(help: ArgumentHelp("The validator's L1 address.", valueName: "0x…"))
        var address: String

        func validate() throws { _ = try parseAddress(address, "--address") }

        var parsedAddress: Address { Address(hex: address)! }
    }

    /// Runs one submitting call and prints its result.
    static func submit<Req>(_ common: Common, _ admin: AdminServerOptions,
                            _ method: MethodDescriptor<Req, SettlementV1.L1CallResult>, _ request: Req) async throws {
        try await runReportingErrors {
            let r: SettlementV1.L1CallResult = try await admin.connection(common.connection).withClient { client in
                try await client.validatorCall(method, request, timeout: .seconds(common.options.timeout))
            }
            print(Format.l1Call(r, json: common.options.json, extra: [("validator", common.parsedAddress.description)]))
        }
    }

    struct Register: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Register a validator with a stake.")
        @OptionGroup var common: Common
        @OptionGroup var admin: AdminServerOptions
        @Option(help: ArgumentHelp("Stake, decimal or 0x hex (at least the arbiter's minimum).", valueName: "n"))
        var amount: String

        func validate() throws { _ = try parseAmount(amount, "--amount") }

        func run() async throws {
            let request = SettlementV1.RegisterValidatorRequest(address: common.parsedAddress.bytes,
                                                                stake: try parseAmount(amount, "--amount").bigEndianBytes)
            try await ValidatorCommand.submit(common, admin, ValidatorMethods.registerValidator, request)
        }
    }

    struct Stake: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add stake to a registered validator.")
        @OptionGroup var common: Common
        @OptionGroup var admin: AdminServerOptions
        @Option(help: ArgumentHelp("Stake to add, decimal or 0x hex.", valueName: "n"))
        var amount: String

        func validate() throws { _ = try parseAmount(amount, "--amount") }

        func run() async throws {
            let request = SettlementV1.StakeRequest(address: common.parsedAddress.bytes,
                                                    amount: try parseAmount(amount, "--amount").bigEndianBytes)
            try await ValidatorCommand.submit(common, admin, ValidatorMethods.addStake, request)
        }
    }

    struct Unstake: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Request to unstake an amount (withdrawable after the arbiter's unstake delay).")
        @OptionGroup var common: Common
        @OptionGroup var admin: AdminServerOptions
        @Option(help: ArgumentHelp("Stake to unstake, decimal or 0x hex.", valueName: "n"))
        var amount: String

        func validate() throws { _ = try parseAmount(amount, "--amount") }

        func run() async throws {
            let request = SettlementV1.StakeRequest(address: common.parsedAddress.bytes,
                                                    amount: try parseAmount(amount, "--amount").bigEndianBytes)
            try await ValidatorCommand.submit(common, admin, ValidatorMethods.requestUnstake, request)
        }
    }

    struct Withdraw: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Withdraw the unlocked unstaking amount.")
        @OptionGroup var common: Common
        @OptionGroup var admin: AdminServerOptions

        func run() async throws {
            try await ValidatorCommand.submit(common, admin, ValidatorMethods.withdrawStake,
                                              SettlementV1.ValidatorAddress(address: common.parsedAddress.bytes))
        }
    }

    struct StatusCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "status", abstract: "Show a validator's stake, unstaking amount, unlock time and open games.")
        @OptionGroup var common: Common

        func run() async throws {
            try await runReportingErrors {
                let v: SettlementV1.ValidatorInfo = try await common.connection.withClient { client in
                    try await client.validatorCall(ValidatorMethods.getValidator,
                                                   SettlementV1.ValidatorAddress(address: common.parsedAddress.bytes),
                                                   timeout: .seconds(common.options.timeout))
                }
                if common.options.json {
                    printJSON(["address": Format.hex(v.address), "registered": v.registered, "stake": Format.uint256(v.stake),
                               "unstaking": Format.uint256(v.unstaking), "unlockAtMs": v.unlockAtMs, "openGames": v.openGames,
                               "l1BlockNumber": v.l1BlockNumber, "l1TimeMs": v.l1TimeMs])
                    return
                }
                print(Format.table([
                    ("validator", common.parsedAddress.description), ("registered", v.registered ? "yes" : "no"),
                    ("stake", Format.uint256(v.stake)), ("unstaking", Format.uint256(v.unstaking)),
                    ("unlocks", v.unlockAtMs == 0 ? "-" : Format.time(v.unlockAtMs)),
                    ("open games", v.openGames.isEmpty ? "none" : v.openGames.map(String.init).joined(separator: ", ")),
                    ("L1 head", "\(v.l1BlockNumber) at \(Format.time(v.l1TimeMs))"),
                ]))
            }
        }
    }
}
