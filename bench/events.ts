// The event-channel scenarios: idle endpoints one node holds (memory per parked P-GET against a
// bare node:http server parking the same requests), event delivery latency at a fixed rate, and
// presence fan-out. Servers and load generator each run in their own child process
// (bench/ipc.ts), see docs/benchmarks.md.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import type { MemorySample, ServerReady } from './event-server.ts'
import { type Child, startChild, waitParked } from './ipc.ts'
import { percentile } from './stats.ts'
import { eventUsers } from './targets.ts'

const HOME_POOL = 'pool01.example.test'
const SERVER = new URL('./event-server.ts', import.meta.url)
const CLIENT = new URL('./event-client.ts', import.meta.url)
/** How long the parked P-GETs ask to be held (the bench server allows 1800 s). */
const PARK_TIMEOUT_SECONDS = 1800
/** Requests sent but not yet parked, at most: well under the accept backlog (511). */
const PARK_WINDOW = 256
/** Concurrent POST applications while creating the idle endpoints. */
const CREATE_CONCURRENCY = 8
/** Parked requests per listening port at most (see event-server.ts on connect()). */
const PER_PORT = 2500
/** Applications per user in the idle-endpoints scenario: creating one lists the user's live
 * applications, so hundreds per user would make the set-up slow (see docs/benchmarks.md). */
const IDLE_APPS_PER_USER = 100
/** Users whose endpoints send and receive in the latency scenario. */
const LATENCY_USERS = 16
/** The latency scenario also runs at these fractions of BENCH_EVENT_RATE (own endpoints). */
const RATE_STEPS = [0.25, 0.5, 1]
/** Changes before the measured ones in each fan-out run. */
const FANOUT_WARMUP_CHANGES = 2

export interface EventOptions {
  /** Parked endpoints to hold (BENCH_ENDPOINTS). */
  readonly endpoints: number
  /** Changes per second in the latency scenario (BENCH_EVENT_RATE). */
  readonly eventRate: number
  /** Measured seconds per latency run. */
  readonly latencySeconds: number
  readonly warmupSeconds: number
  /** Receiver counts for the fan-out scenario (BENCH_FANOUT). */
  readonly fanout: readonly number[]
  /** Measured seconds per fan-out run. */
  readonly fanoutSeconds: number
  /** Which of the scenarios to run (all by default). */
  readonly only?: ReadonlySet<'endpoints' | 'delivery'>
  /** Where to write CPU profiles of the measured windows and heap snapshots (BENCH_PROFILE_DIR). */
  readonly profileDir?: string
  readonly say: (line: string) => void
}

/** One server holding parked requests: how many, how fast, and what it cost in memory. */
export interface HoldResult {
  readonly target: number
  /** Parked requests the server reported at the end. */
  readonly held: number
  /** From the first request sent until the server held them all (or gave up). */
  readonly setupSeconds: number
  /** Memory after a full GC, before the first request and once all were parked. */
  readonly before: MemorySample
  readonly after: MemorySample
  /** What went wrong, when the server could not hold them all. */
  readonly problem?: string
}

export interface EndpointsResult {
  /** The soft limit on open files per process (each side needs one fd per parked request). */
  readonly fdLimit: number | null
  /** Listening ports the requests were spread over, on each server. */
  readonly ports: number
  readonly bare: HoldResult
  readonly parley: HoldResult & {
    /** Memory after the sign-ins, before any application existed. */
    readonly signedIn: MemorySample
    readonly users: number
    readonly signInSeconds: number
    /** POST applications for every endpoint. */
    readonly createSeconds: number
  }
}

export interface LatencyRun {
  /** Which application received: the user's other endpoint, or a watcher. */
  readonly receiver: string
  /** Changes per second asked for. */
  readonly rate: number
  /** Changes sent per second (lower than `rate` when every user still waited: `skipped`). */
  readonly achievedRate: number
  readonly sent: number
  readonly skipped: number
  readonly delivered: number
  readonly undelivered: number
  readonly seconds: number
  readonly p50Ms: number
  readonly p99Ms: number
  readonly maxMs: number
  /** Events delivered per second to every P-GET loop (senders' own endpoints included). */
  readonly eventsPerSecond: number
  /** P-GET responses per change (every endpoint involved). */
  readonly responsesPerChange: number
  /** Server process CPU per change in µs (warm-up included, over its changes too). */
  readonly serverCpuUsPerChange: number
  /** Load generator process CPU per change in µs (measured phase). */
  readonly clientCpuUsPerChange: number
}

export interface LatencyResult {
  readonly users: number
  readonly runs: readonly LatencyRun[]
}

export interface FanoutRun {
  readonly mode: 'own endpoints' | 'watchers'
  readonly receivers: number
  readonly changes: number
  readonly events: number
  readonly seconds: number
  readonly eventsPerSecond: number
  /** Time from the change until the last receiver had it. */
  readonly changeP50Ms: number
  readonly changeP99Ms: number
  /** Time from the change until each receiver had it. */
  readonly eventP50Ms: number
  readonly eventP99Ms: number
  /** Server process CPU per delivered event in µs (warm-up changes included). */
  readonly serverCpuUsPerEvent: number
  /** Load generator process CPU per delivered event in µs. */
  readonly clientCpuUsPerEvent: number
}

export interface EventResults {
  readonly endpoints?: EndpointsResult
  readonly latency?: LatencyResult
  readonly fanout?: readonly FanoutRun[]
}

/** The soft RLIMIT_NOFILE of this process (children inherit it). */
export function fdLimit(): number | null {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'))
    const soft = line?.split(/\s{2,}/)[1]
    return soft && /^\d+$/.test(soft) ? Number(soft) : null
  } catch {
    return null
  }
}

type Client = Child<{ pid: number }>
type Server = Child<ServerReady>

let profileDir: string | undefined

/** Runs `work` with the server's CPU profiled when BENCH_PROFILE_DIR is set. */
async function profiled<T>(server: Server, name: string, work: () => Promise<T>): Promise<T> {
  if (!profileDir) return work()
  await server.call('profileStart')
  try {
    return await work()
  } finally {
    await server.call('profileStop', { file: join(profileDir, `${name}.cpuprofile`) })
  }
}

/** A heap snapshot of the server when BENCH_PROFILE_DIR is set. */
async function snapshot(server: Server, name: string): Promise<void> {
  if (profileDir) await server.call('snapshot', { file: join(profileDir, `${name}.heapsnapshot`) })
}

/** Starts a child and registers its stop with `cleanups`. */
async function child<R>(
  cleanups: (() => Promise<void>)[],
  script: URL,
  args: string[],
  execArgv: string[] = [],
): Promise<Child<R>> {
  const c = await startChild<R>(script, args, execArgv)
  cleanups.push(() => c.stop())
  return c
}

/**
 * Parks one request per application of the client's `idle` set on `server`, and measures the
 * server's memory before and after (each after a full GC). Leaves them parked.
 */
async function hold(client: Client, server: Server, label: string, target: number, say: (l: string) => void) {
  const name = `endpoints-${label.toLowerCase()}`
  await snapshot(server, `${name}-before`)
  const before = await server.call<MemorySample>('memory')
  if (profileDir) await server.call('profileStart')
  const started = performance.now()
  await client.call('park', {
    set: 'idle',
    urls: server.ready.urls,
    timeoutSeconds: PARK_TIMEOUT_SECONDS,
    allowed: PARK_WINDOW,
  })
  // Flow control: at most PARK_WINDOW requests sent and not yet parked. Give up when the server
  // stops making progress.
  let held = 0
  let progressAt = performance.now()
  let problem: string | undefined
  for (;;) {
    const now = await server.call<number>('parked')
    if (now !== held) progressAt = performance.now()
    held = now
    if (held >= target) break
    const status = await client.call<{ sent: number; early: number; errors: number; error?: string }>(
      'allow',
      {
        allowed: held + PARK_WINDOW,
      },
    )
    if (status.early > 0) {
      problem = `${status.early} requests were answered while they should have been parked`
      break
    }
    if (performance.now() - progressAt > 10_000) {
      problem =
        `stalled at ${held} for 10 s with ${status.sent} sent; load generator: ${status.errors} ` +
        `connection errors${status.error ? ` (${status.error})` : ''}`
      break
    }
    await sleep(2)
  }
  const setupSeconds = (performance.now() - started) / 1000
  if (profileDir) await server.call('profileStop', { file: join(profileDir, `${name}-park.cpuprofile`) })
  say(
    `  ${label}: held ${held.toLocaleString('en-US')} in ${setupSeconds.toFixed(1)} s${problem ? `: ${problem}` : ''}`,
  )
  const after = await server.call<MemorySample>('memory')
  await snapshot(server, `${name}-after`)
  return { target, held, setupSeconds, before, after, ...(problem ? { problem } : {}) }
}

async function release(client: Client, server: Server): Promise<void> {
  await client.call('release')
  await waitParked(server, 0)
}

async function idleEndpoints(cleanups: (() => Promise<void>)[], o: EventOptions): Promise<EndpointsResult> {
  const limit = fdLimit()
  const ports = Math.max(1, Math.ceil(o.endpoints / PER_PORT))
  const users = Math.ceil(o.endpoints / IDLE_APPS_PER_USER)
  o.say(
    `• idle endpoints: ${o.endpoints.toLocaleString('en-US')} parked requests on a bare node:http server, then ` +
      `as many parked P-GETs on Parley (${ports} port(s) each; open-file limit per process ${limit ?? 'unknown'})`,
  )
  const client = await child<{ pid: number }>(cleanups, CLIENT, [])
  const parley = await child<ServerReady>(
    cleanups,
    SERVER,
    ['parley', String(ports), String(users)],
    ['--expose-gc'],
  )
  const init = await client.call<{ seconds: number }>('init', {
    base: parley.ready.urls[0],
    host: HOME_POOL,
    users: eventUsers(users),
  })
  const signedIn = await parley.call<MemorySample>('memory')
  const created = await client.call<{ seconds: number }>('create', {
    set: 'idle',
    users: Array.from({ length: o.endpoints }, (_, i) => i % users),
    prefix: 'idle',
    concurrency: CREATE_CONCURRENCY,
  })
  o.say(
    `  ${users} users signed in (${init.seconds.toFixed(1)} s), ` +
      `${o.endpoints.toLocaleString('en-US')} applications created (${created.seconds.toFixed(1)} s)`,
  )

  const bare = await child<ServerReady>(cleanups, SERVER, ['bare', String(ports)], ['--expose-gc'])
  const bareHold = await hold(client, bare, 'bare', o.endpoints, o.say)
  await release(client, bare)
  await bare.stop()

  const parleyHold = await hold(client, parley, 'Parley', o.endpoints, o.say)
  await release(client, parley)
  await parley.stop()
  await client.stop()
  return {
    fdLimit: limit,
    ports,
    bare: bareHold,
    parley: { ...parleyHold, signedIn, users, signInSeconds: init.seconds, createSeconds: created.seconds },
  }
}

const cpuMs = (proc: Child<unknown>) => proc.call<number>('cpu')

interface ClientLatency {
  readonly sent: number
  readonly warmupSent: number
  readonly skipped: number
  readonly seconds: number
  readonly responses: number
  readonly events: number
  readonly clientCpuMs: number
  readonly undelivered: number
  readonly unexpected: number
  readonly latenciesMs: Readonly<Record<string, number[]>>
}

interface ClientFanout {
  readonly receivers: number
  readonly changes: number
  readonly events: number
  readonly seconds: number
  readonly changeMs: number[]
  readonly eventLatenciesMs: number[]
  readonly clientCpuMs: number
}

interface Receiver {
  readonly set: string
  /** The event's link rel: `note` for the user's own endpoints, `contactNote` for watchers. */
  readonly rel: string
  readonly label: string
}

/** Event delivery: latency at fixed rates, then fan-out; one Parley server for both. */
async function eventDelivery(
  cleanups: (() => Promise<void>)[],
  o: EventOptions,
): Promise<{ latency: LatencyResult; fanout: FanoutRun[] }> {
  // The latency users, then one sender user per fan-out run.
  const users = eventUsers(LATENCY_USERS + 2 * o.fanout.length)
  const client = await child<{ pid: number }>(cleanups, CLIENT, [])
  const parley = await child<ServerReady>(
    cleanups,
    SERVER,
    ['parley', '1', String(users.length)],
    ['--expose-gc'],
  )
  await client.call('init', { base: parley.ready.urls[0], host: HOME_POOL, users })

  // ---- latency: K users, each with endpoints A (changes its note) and B (receives) ----
  const k = LATENCY_USERS
  const own = Array.from({ length: k }, (_, i) => i)
  const rates = [...new Set(RATE_STEPS.map((f) => Math.max(1, Math.round(f * o.eventRate))))]
  o.say(
    `• event delivery latency: ${k} users × 2 endpoints, note changes at ${rates.join(', ')}/s, ` +
      `${o.latencySeconds} s each after ${o.warmupSeconds} s warm-up`,
  )
  await client.call('create', { set: 'lat-a', users: own, prefix: 'lat-a', concurrency: 4 })
  await client.call('create', { set: 'lat-b', users: own, prefix: 'lat-b', concurrency: 4 })
  await client.call('available', { set: 'lat-a' })
  await client.call('available', { set: 'lat-b' })

  const latencyRun = async (name: string, rate: number, receivers: Receiver[], listening: string[]) => {
    const count = await client.call<number>('listen', { sets: listening })
    await waitParked(parley, count)
    await client.call('quiet', { ms: 300 })
    const cpu0 = await cpuMs(parley)
    const r = await profiled(parley, name, () =>
      client.call<ClientLatency>('latency', {
        senders: 'lat-a',
        receivers: receivers.map(({ set, rel }) => ({ set, rel })),
        rate,
        seconds: o.latencySeconds,
        warmupSeconds: o.warmupSeconds,
      }),
    )
    const serverCpuMs = (await cpuMs(parley)) - cpu0
    await client.call('unlisten')
    await waitParked(parley, 0)
    return receivers.map(({ set, label }): LatencyRun => {
      const latencies = r.latenciesMs[set] ?? []
      return {
        receiver: label,
        rate,
        achievedRate: r.sent / r.seconds,
        sent: r.sent,
        skipped: r.skipped,
        delivered: latencies.length,
        undelivered: r.undelivered,
        seconds: r.seconds,
        p50Ms: percentile(latencies, 50),
        p99Ms: percentile(latencies, 99),
        maxMs: percentile(latencies, 100),
        eventsPerSecond: r.events / r.seconds,
        responsesPerChange: r.sent > 0 ? r.responses / r.sent : 0,
        serverCpuUsPerChange: (serverCpuMs * 1000) / Math.max(1, r.sent + r.warmupSent),
        clientCpuUsPerChange: (r.clientCpuMs * 1000) / Math.max(1, r.sent),
      }
    })
  }
  const runs: LatencyRun[] = []
  const ownReceiver: Receiver = { set: 'lat-b', rel: 'note', label: 'own other endpoint' }
  for (const rate of rates) {
    o.say(`  ${rate}/s, receiver: the user’s other endpoint`)
    runs.push(...(await latencyRun(`latency-own-${rate}`, rate, [ownReceiver], ['lat-a', 'lat-b'])))
  }

  // Watchers: user u's changes also reach an application of user u+1 subscribed to u's presence.
  await client.call('create', {
    set: 'lat-w',
    users: own.map((u) => (u + 1) % k),
    prefix: 'lat-w',
    concurrency: 4,
  })
  await client.call('subscribe', { set: 'lat-w', uris: own.map((u) => users[u]?.username), concurrency: 4 })
  o.say(`  ${o.eventRate}/s, receivers: the user’s other endpoint and a watcher (another user’s application)`)
  runs.push(
    ...(await latencyRun(
      `latency-watcher-${o.eventRate}`,
      o.eventRate,
      [
        { ...ownReceiver, label: 'own other endpoint, with a watcher' },
        { set: 'lat-w', rel: 'contactNote', label: 'watcher (another user)' },
      ],
      ['lat-a', 'lat-b', 'lat-w'],
    )),
  )

  // ---- fan-out: one sender, M receivers; a fresh sender user per run ----
  const fanout: FanoutRun[] = []
  let nextUser = LATENCY_USERS
  for (const mode of ['own endpoints', 'watchers'] as const) {
    for (const m of o.fanout) {
      const sender = nextUser++
      const set = `fo-${mode === 'watchers' ? 'w' : 'o'}-${m}`
      o.say(
        `• presence fan-out (${mode}): 1 sender → ${m.toLocaleString('en-US')} receivers, ${o.fanoutSeconds} s`,
      )
      await client.call('create', { set: `${set}-s`, users: [sender], prefix: `${set}-s`, concurrency: 1 })
      await client.call('available', { set: `${set}-s` })
      if (mode === 'own endpoints') {
        const owners = Array.from({ length: m }, () => sender)
        await client.call('create', { set: `${set}-r`, users: owners, prefix: `${set}-r`, concurrency: 4 })
        await client.call('available', { set: `${set}-r` })
      } else {
        // Applications of the latency users subscribed to the sender (POST presenceSubscriptions),
        // not made available: they get watcher events only.
        const owners = Array.from({ length: m }, (_, i) => i % LATENCY_USERS)
        await client.call('create', { set: `${set}-r`, users: owners, prefix: `${set}-r`, concurrency: 4 })
        await client.call('subscribe', { set: `${set}-r`, uris: [users[sender]?.username], concurrency: 4 })
      }
      const count = await client.call<number>('listen', { sets: [`${set}-s`, `${set}-r`] })
      await waitParked(parley, count)
      await client.call('quiet', { ms: 300 })
      const cpu0 = await cpuMs(parley)
      const r = await profiled(parley, `fanout-${mode === 'watchers' ? 'watchers' : 'own'}-${m}`, () =>
        client.call<ClientFanout>('fanout', {
          sender: `${set}-s`,
          receivers: `${set}-r`,
          rel: mode === 'watchers' ? 'contactNote' : 'note',
          seconds: o.fanoutSeconds,
          warmup: FANOUT_WARMUP_CHANGES,
        }),
      )
      const serverCpuMs = (await cpuMs(parley)) - cpu0
      await client.call('unlisten')
      await waitParked(parley, 0)
      fanout.push({
        mode,
        receivers: r.receivers,
        changes: r.changes,
        events: r.events,
        seconds: r.seconds,
        eventsPerSecond: r.events / r.seconds,
        changeP50Ms: percentile(r.changeMs, 50),
        changeP99Ms: percentile(r.changeMs, 99),
        eventP50Ms: percentile(r.eventLatenciesMs, 50),
        eventP99Ms: percentile(r.eventLatenciesMs, 99),
        // The window includes the warm-up changes: CPU over every event delivered in it.
        serverCpuUsPerEvent: (serverCpuMs * 1000) / ((r.changes + FANOUT_WARMUP_CHANGES) * r.receivers),
        clientCpuUsPerEvent: (r.clientCpuMs * 1000) / Math.max(1, r.events),
      })
    }
  }
  await parley.stop()
  await client.stop()
  return { latency: { users: k, runs }, fanout }
}

/** Runs the scenarios; every child process is stopped before it returns (or throws). */
export async function runEventScenarios(o: EventOptions): Promise<EventResults> {
  const cleanups: (() => Promise<void>)[] = []
  profileDir = o.profileDir
  try {
    const endpoints = !o.only || o.only.has('endpoints') ? await idleEndpoints(cleanups, o) : undefined
    const delivery = !o.only || o.only.has('delivery') ? await eventDelivery(cleanups, o) : undefined
    return { ...(endpoints ? { endpoints } : {}), ...delivery }
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined)
  }
}
