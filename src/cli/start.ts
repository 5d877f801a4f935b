// `parley start`: runs the server until SIGINT, SIGTERM or SIGHUP — or, when npm or the parley
// launcher started it, until that parent process is gone. See docs/operations.md ("Shutdown").
import type { Logger } from 'pino'
import { start } from '../main.ts'
import { createLogger } from '../platform/logger.ts'
import { announce } from './banner.ts'
import type { Io } from './io.ts'
import { loadCliConfig, withPort } from './load-config.ts'
import { EXIT, parse } from './usage.ts'

/** After the first signal, the most a graceful stop may take before the process exits anyway. */
const SHUTDOWN_GRACE_MS = 10_000
const PARENT_CHECK_MS = 1_000
const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const

export async function runStart(args: string[], io: Io): Promise<number> {
  const { values } = parse(
    args,
    { config: { type: 'string' }, demo: { type: 'boolean' }, port: { type: 'string' } },
    false,
  )
  const config = withPort(loadCliConfig(values, io), values.port ?? (io.env.PARLEY_PORT || undefined))
  const logger = createLogger(config.logging.level)
  const server = await start(config, { logger })
  const banner = announce(server, { config, demo: values.demo === true }, io, logger)
  await untilStopped(
    server,
    logger,
    (reason) => {
      if (banner) io.out(`${reason}: stopping…\n`)
    },
    io.env,
  )
  return EXIT.ok
}

/**
 * Resolves once the server stopped after a stop signal (or its parent's exit). Repeated signals
 * change nothing: npm and the launcher pass on a Ctrl-C the terminal also sent to this process,
 * and service managers repeat SIGTERM; the grace period bounds the wait instead.
 */
function untilStopped(
  server: { stop(): Promise<void> },
  logger: Logger,
  notice: (reason: string) => void,
  env: Io['env'],
): Promise<void> {
  return new Promise((resolve) => {
    let stopping = false
    const stop = (reason: string) => {
      if (stopping) return
      stopping = true
      clearInterval(parentWatch)
      logger.info({ reason }, 'stopping')
      notice(reason)
      const force = setTimeout(() => {
        logger.error(`not stopped within ${SHUTDOWN_GRACE_MS / 1000} s; exiting`)
        process.exit(EXIT.failure)
      }, SHUTDOWN_GRACE_MS)
      force.unref()
      server.stop().then(
        () => {
          logger.info('stopped')
          resolve()
        },
        (error: unknown) => {
          logger.error({ err: error }, 'stop failed')
          resolve()
        },
      )
    }
    for (const signal of STOP_SIGNALS) process.on(signal, () => stop(signal))
    // npm (`npm start`) forwards its stop signal to its child in some versions and not in others,
    // and a shell between them may not pass it on: a server started that way would outlive it.
    const supervised = env.npm_lifecycle_event !== undefined || env.PARLEY_STOP_WITH_PARENT === '1'
    const parentWatch = supervised ? whenParentExits(() => stop('parent process exited')) : undefined
  })
}

/** Calls `then` once this process's parent is gone (it is then re-parented). */
function whenParentExits(then: () => void): NodeJS.Timeout {
  const parent = process.ppid
  const timer = setInterval(() => {
    if (process.ppid !== parent) then()
  }, PARENT_CHECK_MS)
  timer.unref()
  return timer
}
