// The `parley` process: runs the command line with this process's streams. The `parley` command
// (bin/parley.js) starts this file on the project's own Node; see docs/cli.md.
import { processIo } from './io.ts'
import { runCli } from './run.ts'

process.exitCode = await runCli(process.argv.slice(2), processIo())
