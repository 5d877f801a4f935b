#!/usr/bin/env node
// `parley`: start the server, write a starter config, manage users. See docs/cli.md.
// Exit codes: 0 success, 1 the operation failed, 2 usage error, 78 configuration error.
import { ConfigError } from '../config/config.ts'
import { UserValidationError } from '../domain/users/user-service.ts'
import { runInit } from './init.ts'
import { runStart } from './start.ts'
import { EXIT, UsageError } from './usage.ts'
import { runUser } from './users.ts'

const HELP = `Usage: parley <command> [options]

Commands:
  start [--config FILE | --demo] [--port N]   run the server
  init [FILE] [--force]                       write a commented starter config (default parley.yaml)
  user <verb> …                               manage users (parley user --help)

Options:
  --config FILE   config file (default: $PARLEY_CONFIG, else ./parley.yaml)
  --demo          use the built-in demo topology (SIP domain example.test, users alice and bob)
  --port N        port of the first web listener (also $PARLEY_PORT)
  --json          machine-readable output (user commands)
`

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv
  switch (command) {
    case 'start':
      return runStart(rest, process.env)
    case 'init':
      return runInit(rest)
    case 'user':
    case 'users':
      return runUser(rest, process.env)
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(HELP)
      return command === undefined ? EXIT.usage : EXIT.ok
    default:
      throw new UsageError(`unknown command "${command}"`)
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code
  },
  (error: unknown) => {
    if (error instanceof UsageError) {
      process.stderr.write(`parley: ${error.message}\nRun "parley --help" for usage.\n`)
      process.exitCode = EXIT.usage
    } else if (error instanceof ConfigError) {
      process.stderr.write(`parley: configuration error: ${error.message}\n`)
      process.exitCode = EXIT.config
    } else if (error instanceof UserValidationError) {
      process.stderr.write(`parley: ${error.message}\n`)
      process.exitCode = EXIT.failure
    } else {
      process.stderr.write(`parley: ${error instanceof Error ? error.message : String(error)}\n`)
      process.exitCode = EXIT.failure
    }
  },
)
