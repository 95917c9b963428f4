// sunsync: the offline client. All commands live in SunsyncCLI.
import SunsyncCLI

await Sunsync.run()
