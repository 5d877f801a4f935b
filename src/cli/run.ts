// `parley <command> …`: parses the command word and runs the command, each command's module
// loaded only when it runs (`parley --help` and `--version` load none). See docs/cli.md.
// Exit codes: 0 success, 1 the operation failed, 2 usage error, 78 configuration error.
import pkg from '../../package.json' with { type: 'json' }
import { ConfigError } from '../config/config.ts'
import type { Io } from './io.ts'
import { EXIT, UsageError } from './usage.ts'

/** This build's version (package.json), as `parley --version` and /health show it. */
export const VERSION: string = pkg.version

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
  -v, --version   print the version (with --verbose: also the Node.js that runs it)
  -h, --help      print this help
`

type Command = (args: string[], io: Io) => Promise<number>

const policyCommand =
  (kind: 'mobility-policy' | 'mcx-config' | 'push-config'): Command =>
  async (args, io) =>
    (await import('./policies.ts')).runPolicyCommand(kind, args, io)

const user: Command = async (args, io) =>
  args[0] === 'effective-policy'
    ? (await import('./policies.ts')).runEffectivePolicy(args.slice(1), io)
    : (await import('./users.ts')).runUser(args, io)

const COMMANDS: Readonly<Record<string, Command>> = {
  start: async (args, io) => (await import('./start.ts')).runStart(args, io),
  init: async (args, io) => (await import('./init.ts')).runInit(args, io),
  user,
  users: user,
  'mobility-policy': policyCommand('mobility-policy'),
  'mcx-config': policyCommand('mcx-config'),
  'push-config': policyCommand('push-config'),
  admin: async (args, io) => (await import('./policies.ts')).runAdmin(args, io),
  audit: async (args, io) => (await import('./policies.ts')).runAudit(args, io),
}

/** Runs `parley …argv`; returns the exit code. Errors become messages on `io.err`. */
export async function runCli(argv: readonly string[], io: Io): Promise<number> {
  try {
    return await dispatch([...argv], io)
  } catch (error) {
    return reportError(error, io)
  }
}

function dispatch([command, ...rest]: string[], io: Io): Promise<number> | number {
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    io.out(HELP)
    return command === undefined ? EXIT.usage : EXIT.ok
  }
  if (command === '--version' || command === '-v') return printVersion(rest, io)
  const run = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined
  if (!run) throw new UsageError(`unknown command "${command}"`)
  return run(rest, io)
}

function printVersion(rest: readonly string[], io: Io): number {
  const verbose = rest.length === 1 && rest[0] === '--verbose'
  if (rest.length > 0 && !verbose) throw new UsageError(`--version takes only --verbose`)
  io.out(`${VERSION}\n`)
  // Which Node runs the CLI: the project pins its own (package.json `node`), whatever is on PATH.
  if (verbose) io.out(`node ${process.version} ${process.execPath}\n`)
  return EXIT.ok
}

function reportError(error: unknown, io: Io): number {
  if (error instanceof UsageError) {
    io.err(`parley: ${error.message}\nRun "parley --help" for usage.\n`)
    return EXIT.usage
  }
  if (error instanceof ConfigError) {
    io.err(`parley: configuration error: ${error.message}\n`)
    return EXIT.config
  }
  // Refusals (unknown user, invalid value, policy rules) and failures (store unreachable).
  io.err(`parley: ${error instanceof Error ? error.message : String(error)}\n`)
  return EXIT.failure
}
