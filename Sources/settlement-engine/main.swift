import SettlementEngineServer

await EngineCommand.runFromCommandLine()
