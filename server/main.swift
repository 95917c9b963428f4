// sunsync-server: the sync server. Everything lives in SunsyncServer.
import Logging
import SunsyncServer

LoggingSystem.bootstrap(StreamLogHandler.standardError)
await ServerCommand.run()
