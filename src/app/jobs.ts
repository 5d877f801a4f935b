// The periodic jobs of a server, in one table: what runs, how often, and whether only the node
// holding the cluster's periodic-jobs lease runs it (src/store/postgres/leader-lease.ts: run by
// every node, those jobs would repeat their events, and some remember what they did in memory).
// Jobs that keep this node's own memory (its queues, its copy of the policies, its sign-in
// throttle) run on every node. See docs/operations.md ("Periodic jobs").
import type { Logger } from 'pino'
import type { Config } from '../config/config.ts'
import type { Clock } from '../domain/ports.ts'
import { type Leadership, leaderLease, SOLE_NODE } from '../store/postgres/leader-lease.ts'
import type { Services } from './services.ts'

export interface Job {
  readonly name: string
  readonly everyMs: number
  readonly leaderOnly: boolean
  run(): unknown
}

/** Presence changes with time alone (idle endpoints, expired applications): look every few seconds. */
const TICK_MS = 5_000
const MAINTENANCE_MS = 60_000

const every =
  (everyMs: number) =>
  (name: string, leaderOnly: boolean, run: () => unknown): Job => ({ name, everyMs, leaderOnly, run })
const tick = every(TICK_MS)
const maintenance = every(MAINTENANCE_MS)

export function jobsOf(s: Services, clock: Clock): readonly Job[] {
  return [
    tick('channel.forgetUnused', false, () => s.channel.forgetUnused()),
    tick('presence.tick', true, () => s.presence.tick()),
    tick('subscriptions.tick', true, () => s.subscriptions.tick()),
    tick('conversations.expireInvitations', true, () => s.conversations.expireInvitations()),
    tick('conversations.dropExpiredEndpoints', true, () => s.conversations.dropExpiredEndpoints()),
    // Every node: its copy of the policies (other processes' changes without a cluster bus).
    tick('policies.refresh', false, () => s.policies.refresh()),
    maintenance('throttle.prune', false, () => s.throttle.prune(clock.now())),
    maintenance('applications.sweep', true, () => s.applications.sweep()),
    maintenance('tokens.deleteExpired', true, () => s.store.tokens.deleteExpired(clock.now())),
    // Logs first: a conversation whose last log just went can go in the same round.
    maintenance('conversations.purge', true, async () => {
      await s.conversationLogs.purge()
      await s.conversations.purgeEnded()
    }),
  ]
}

export interface JobRunner {
  /**
   * Runs the named jobs (every job when none are named) once, now, one after another in the
   * table's order, as the timers would — leader-only ones only while this node leads. Rejects
   * with the first failure; an unknown name is an error.
   */
  run(names?: readonly string[]): Promise<void>
  /** Stops the timers at once; resolves once the lease is given up. */
  stop(): Promise<void>
}

/** Who runs the leader-only jobs: in a cluster (PostgreSQL) one node at a time; else this one. */
export function leadershipOf(config: Config, logger: Logger): Leadership {
  return config.storage.postgres ? leaderLease(config.storage.postgres.url, logger) : SOLE_NODE
}

/**
 * Runs `jobs` on timers (one per interval), or only when asked with `timers: false` (tests run
 * them by hand). A failing job is logged and tried again at its next turn.
 */
export function startJobs(
  jobs: readonly Job[],
  options: { leader: Leadership; logger: Logger; timers: boolean },
): JobRunner {
  const { leader, logger } = options
  const timers: NodeJS.Timeout[] = []
  if (options.timers) {
    for (const everyMs of new Set(jobs.map((job) => job.everyMs))) {
      const due = jobs.filter((job) => job.everyMs === everyMs)
      const timer = setInterval(() => runTurn(due, leader, logger), everyMs)
      timer.unref()
      timers.push(timer)
    }
  }
  return {
    async run(names) {
      const chosen = names === undefined ? jobs : names.map((name) => jobNamed(jobs, name))
      for (const job of chosen) {
        if (!job.leaderOnly || (await leader.held())) await job.run()
      }
    },
    async stop() {
      for (const timer of timers) clearInterval(timer)
      await leader.close()
    },
  }
}

// One turn of a timer: every node's jobs at once; the leader-only ones once this node knows it
// leads (asking may take a moment; the others do not wait for it).
function runTurn(due: readonly Job[], leader: Leadership, logger: Logger): void {
  const failed = (job: Job) => (error: unknown) =>
    logger.error({ err: error, job: job.name }, 'periodic job failed')
  const start = (job: Job) => {
    try {
      Promise.resolve(job.run()).catch(failed(job))
    } catch (error) {
      failed(job)(error)
    }
  }
  const leaderOnly = due.filter((job) => job.leaderOnly)
  for (const job of due) if (!job.leaderOnly) start(job)
  if (leaderOnly.length === 0) return
  leader.held().then(
    (held) => {
      if (held) for (const job of leaderOnly) start(job)
    },
    (error: unknown) => logger.error({ err: error }, 'periodic jobs lease check failed'),
  )
}

function jobNamed(jobs: readonly Job[], name: string): Job {
  const job = jobs.find((j) => j.name === name)
  if (!job) throw new Error(`no periodic job "${name}" (jobs: ${jobs.map((j) => j.name).join(', ')})`)
  return job
}
