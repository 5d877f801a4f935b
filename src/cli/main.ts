// The `parley` process: runs the command line with this process's streams. The `parley` command
// (bin/parley.js) starts this file on the project's own Node; see docs/cli.md.
import { enableCompileCache } from 'node:module'
import { processIo } from './io.ts'
import { runCli } from './run.ts'

// Node keeps the modules it compiled (TypeScript stripped, bytecode) in os.tmpdir(): a command
// then starts with about half the CPU. The commands themselves load after this line.
enableCompileCache()

process.exitCode = await runCli(process.argv.slice(2), processIo())
