#!/usr/bin/env node
// `parley`: start the server, write a starter config, manage users. See docs/cli.md.
// Exit codes: 0 success, 1 the operation failed, 2 usage error, 78 configuration error.
import { ConfigError } from '../config/config.ts'
import { UserValidationError } from '../domain/users/user-service.ts'
import { runInit } from './init.ts'
import { runAdmin, runAudit, runEffectivePolicy, runPolicyCommand } from './policies.ts'
import { runStart } from './start.ts'
import { EXIT, UsageError } from './usage.ts'
import { runUser } from './users.ts'

const HELP = `Usage: parley <command> [options]

Commands:
  start [--config FILE | --demo] [--port N]   run the server
  init [FILE] [--force]                       write a commented starter config (default parley.yaml)
  user <verb> …                               manage users (parley user --help)
  user effective-policy USER                  the mobility, Mcx and push settings that apply to USER
  mobility-policy <verb> …                    New/Set/Get/Grant/Remove-CsMobilityPolicy (… --help)
  mcx-config <verb> …                         New/Set/Get/Remove-CsMcxConfiguration (… --help)
  push-config <verb> …                        New/Set/Get/Remove-CsPushNotificationConfiguration
  admin add USER | remove USER | list         who may use the admin REST API
  audit [--limit N] [--before SEQ]            the audit log of administrative changes, newest first

Options:
  --config FILE   config file (default: $PARLEY_CONFIG, else ./parley.yaml)
  --demo          use the built-in demo topology (SIP domain example.test, users alice and bob)
  --port N        port of the first web listener (also $PARLEY_PORT)
  --json          machine-readable output (user, policy, admin and audit commands)
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
      if (rest[0] === 'effective-policy') return runEffectivePolicy(rest.slice(1), process.env)
      return runUser(rest, process.env)
    case 'mobility-policy':
    case 'mcx-config':
    case 'push-config':
      return runPolicyCommand(command, rest, process.env)
    case 'admin':
      return runAdmin(rest, process.env)
    case 'audit':
      return runAudit(rest, process.env)
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
