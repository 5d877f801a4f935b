// What `parley start` says once it listens. Logs are one stream of JSON lines on standard output,
// so the announcement is a log record; the text banner is for a person: it is printed when
// standard output is a terminal, or when logging is off (no JSON stream to mix it into).
// Generated passwords are shown only on a terminal, never in a log: on standard output when it is
// one, else on standard error when that is one, else not at all — a warning then says how to set
// them. See docs/operations.md ("Logs").
import type { Logger } from 'pino'
import type { Config } from '../config/config.ts'
import { AUTODISCOVER_ROOT_PATH, TOKEN_PATH } from '../domain/autodiscover/autodiscover-service.ts'
import type { RunningServer } from '../main.ts'
import { parleyCommand, shellWord } from './invocation.ts'
import type { Io } from './io.ts'

type Started = Pick<RunningServer, 'listeners' | 'url' | 'createdUsers'>

/** Announces the running server; true when a text banner was printed (on standard output). */
export function announce(
  server: Started,
  options: { config: Config; demo: boolean },
  io: Io,
  logger: Logger,
): boolean {
  const { config, demo } = options
  const what = demo ? 'demo topology' : config.source
  const listeners = server.listeners.map((l) => ({ kind: l.kind, url: l.url }))
  // Each URL followed by a space: the message reads (and greps) as "internal http://…".
  const summary = listeners.map((l) => `${l.kind} ${localhost(l.url)}`).join(' | ')
  logger.info({ listeners, config: what }, `Parley is running: ${summary} (${what})`)

  const generated = server.createdUsers.flatMap((u) =>
    u.generatedPassword ? [{ sipUri: u.user.sipUri, password: u.generatedPassword }] : [],
  )
  const hint = generated[0] && setPasswordCommand(generated[0].sipUri, options, io.env)
  const banner = io.stdoutIsTerminal || config.logging.level === 'silent'
  if (banner) io.out(`${bannerText(server, what)}\n`)

  if (generated.length === 0 || !hint) return banner
  const passwords = [
    `New users were created. Their passwords are shown only this once, on this terminal:`,
    ...generated.map((u) => `  ${u.sipUri.padEnd(32)} ${u.password}`),
    `Change one with: ${hint}`,
  ].join('\n')
  if (io.stdoutIsTerminal) io.out(`${passwords}\n\n`)
  else if (io.stderrIsTerminal) io.err(`${passwords}\n\n`)
  else {
    const users = generated.map((u) => u.sipUri)
    const note = `New users got generated passwords, not shown without a terminal; set one with: ${hint}`
    logger.warn({ users }, note)
    if (banner) io.out(`${note}\n  ${users.join('\n  ')}\n\n`)
  }
  return banner
}

function bannerText(server: Started, what: string): string {
  const web = localhost(server.url)
  return [
    ``,
    `Parley is running (${what}).`,
    ...server.listeners.map((l) => `  ${l.kind.padEnd(17)} ${localhost(l.url)}`),
    ``,
    `  Autodiscover  ${web}${AUTODISCOVER_ROOT_PATH}`,
    `  Token         ${web}${TOKEN_PATH}`,
    `  UCWA          ${web}/ucwa/oauth/v1/applications`,
    `  Health        ${web}/health/ready`,
    ``,
  ].join('\n')
}

/** The exact command that sets `sipUri`'s password on this server's store, ready to paste. */
function setPasswordCommand(
  sipUri: string,
  options: { config: Config; demo: boolean },
  env: Io['env'],
): string {
  const user = sipUri.replace(/^sip:/, '')
  // The demo's database follows PARLEY_DEMO_DB; the command must open the same one.
  const where = options.demo
    ? `${env.PARLEY_DEMO_DB ? `PARLEY_DEMO_DB=${shellWord(env.PARLEY_DEMO_DB)} ` : ''}`
    : ''
  const config = options.demo ? '--demo' : `--config ${shellWord(options.config.source)}`
  return `${where}${parleyCommand(env)} user set-password ${user} ${config}`
}

const localhost = (url: string) =>
  url.replace('://[::1]', '://localhost').replace('://127.0.0.1', '://localhost')
