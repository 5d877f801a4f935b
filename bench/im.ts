// The instant-messaging scenario: end-to-end IM throughput (sendMessage POST → the receiver's
// P-GET response carrying the message) against a bare node:http relay taking the same requests,
// and latency at a fixed rate. Parley, the relay and the load generator each run in their own
// child process (bench/ipc.ts), see docs/benchmarks.md.
import { join } from 'node:path'
import type { RelayPair, ServerReady } from './event-server.ts'
import { type Child, startChild, waitParked } from './ipc.ts'
import { percentile } from './stats.ts'
import { imUsers } from './targets.ts'

const HOME_POOL = 'pool01.example.test'
const SERVER = new URL('./event-server.ts', import.meta.url)
const CLIENT = new URL('./event-client.ts', import.meta.url)
/** Concurrent requests while setting up (sign-ins, applications, invitations). */
const SETUP_CONCURRENCY = 8
/** What makeMeAvailable declares: an endpoint without Messaging is not offered invitations. */
const AVAILABLE = { supportedModalities: ['Messaging'], supportedMessageFormats: ['Plain'] }
/** Sending before each throughput window, to fill the pipeline (Parley's p99 is ≈ 0.15 s there). */
const RAMP_SECONDS = 0.25

export type ImSide = 'parley' | 'relay'

export interface ImOptions {
  /** Conversations, each between a sending and a receiving user (BENCH_IM_PAIRS). */
  readonly pairs: number
  /** Messages per second in the latency runs (BENCH_IM_RATE). */
  readonly rate: number
  /** POSTs in flight at most in the throughput runs (BENCH_IM_CONCURRENCY). */
  readonly concurrency: number
  /** Measured seconds per side for throughput (split into `rounds` slices) and per latency run. */
  readonly seconds: number
  readonly rounds: number
  readonly warmupSeconds: number
  /** Where to write CPU profiles of Parley during the measured windows (BENCH_PROFILE_DIR). */
  readonly profileDir?: string | undefined
  readonly say: (line: string) => void
}

/** What the load generator reports for one run (bench/event-client.ts imThroughput / imRate). */
interface ClientRun {
  readonly sent: number
  readonly posted: number
  readonly postedInWindow: number
  readonly delivered: number
  readonly deliveredInWindow: number
  readonly echoes: number
  readonly echoesInWindow: number
  readonly undelivered: number
  readonly budgetWaits: number
  readonly skipped: number
  readonly unexpected: number
  readonly seconds: number
  readonly latenciesMs: number[]
  readonly postLatenciesMs: number[]
  readonly clientCpuMs: number
}

export interface ImThroughput {
  readonly side: ImSide
  /** Measured seconds: the sum of the slices' windows (each after a ramp of RAMP_SECONDS). */
  readonly seconds: number
  /** Messages sent, ramps included. */
  readonly sent: number
  /** Messages that reached their receiver within the windows. */
  readonly deliveredInWindow: number
  /** deliveredInWindow ÷ seconds: the judged figure. */
  readonly deliveredPerSecond: number
  /** POSTs answered 201 per second (within the windows). */
  readonly postedPerSecond: number
  /** Message events per second to every P-GET (the receivers' and the senders' echoes). */
  readonly eventsPerSecond: number
  /** Send → the receiver's P-GET response, over the messages delivered within the windows. */
  readonly p50Ms: number
  readonly p99Ms: number
  /** Send → the POST's 201. */
  readonly postP50Ms: number
  readonly postP99Ms: number
  /** Times every sender had used its budget under Parley's per-user limit (0: the limit never bound). */
  readonly budgetWaits: number
  readonly undelivered: number
  /** Server process CPU per message in µs (each slice with its ramp and drain, over its messages). */
  readonly serverCpuUsPerMessage: number
  /** Load generator process CPU per message in µs. */
  readonly clientCpuUsPerMessage: number
}

export interface ImLatencyRun {
  readonly side: ImSide
  /** Messages per second asked for. */
  readonly rate: number
  readonly achievedRate: number
  readonly sent: number
  readonly skipped: number
  readonly undelivered: number
  readonly seconds: number
  readonly p50Ms: number
  readonly p99Ms: number
  readonly maxMs: number
  readonly postP50Ms: number
  readonly postP99Ms: number
  /** Server process CPU per message in µs (warm-up included, over its messages too). */
  readonly serverCpuUsPerMessage: number
  readonly clientCpuUsPerMessage: number
}

export interface ImResults {
  readonly pairs: number
  /** BENCH_IM_RATE: the latency runs' rate (Parley also runs at half of it). */
  readonly rate: number
  readonly concurrency: number
  readonly rounds: number
  readonly setup: {
    readonly users: number
    readonly signInSeconds: number
    readonly createSeconds: number
    readonly availableSeconds: number
    readonly connectSeconds: number
  }
  readonly latency: readonly ImLatencyRun[]
  readonly throughput: { readonly parley: ImThroughput; readonly relay: ImThroughput }
  /** Message events the load generator could not match to a message it sent and still awaited
   * (a duplicate, another conversation's, a wrong direction): 0 unless something is wrong. */
  readonly unexpected: number
}

type Server = Child<ServerReady>

const cpuMs = (server: Server) => server.call<number>('cpu')

/** Runs `work` with Parley's CPU profiled when BENCH_PROFILE_DIR is set. */
async function profiled<T>(server: Server, file: string | undefined, work: () => Promise<T>): Promise<T> {
  if (!file) return work()
  await server.call('profileStart')
  try {
    return await work()
  } finally {
    await server.call('profileStop', { file })
  }
}

function summarizeThroughput(side: ImSide, runs: readonly ClientRun[], serverCpuMs: number): ImThroughput {
  const sum = (f: (r: ClientRun) => number) => runs.reduce((n, r) => n + f(r), 0)
  const seconds = sum((r) => r.seconds)
  const sent = sum((r) => r.sent)
  const latencies = runs.flatMap((r) => r.latenciesMs)
  const posts = runs.flatMap((r) => r.postLatenciesMs)
  const deliveredInWindow = sum((r) => r.deliveredInWindow)
  return {
    side,
    seconds,
    sent,
    deliveredInWindow,
    deliveredPerSecond: deliveredInWindow / seconds,
    postedPerSecond: sum((r) => r.postedInWindow) / seconds,
    eventsPerSecond: sum((r) => r.deliveredInWindow + r.echoesInWindow) / seconds,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    postP50Ms: percentile(posts, 50),
    postP99Ms: percentile(posts, 99),
    budgetWaits: sum((r) => r.budgetWaits),
    undelivered: sum((r) => r.undelivered),
    serverCpuUsPerMessage: (serverCpuMs * 1000) / Math.max(1, sent),
    clientCpuUsPerMessage: (sum((r) => r.clientCpuMs) * 1000) / Math.max(1, sent),
  }
}

/** Runs the IM scenario; every child process is stopped before it returns (or throws). */
export async function runImScenario(o: ImOptions): Promise<ImResults> {
  const cleanups: (() => Promise<void>)[] = []
  const child = async <R>(script: URL, args: string[] = []): Promise<Child<R>> => {
    const c = await startChild<R>(script, args)
    cleanups.push(() => c.stop())
    return c
  }
  try {
    const users = imUsers(2 * o.pairs)
    o.say(
      `• instant messaging: ${o.pairs} conversations (${users.length} users), Parley and a bare node:http relay, ` +
        `each in its own process`,
    )
    const client = await child<{ pid: number }>(CLIENT)
    const parley = await child<ServerReady>(SERVER, ['im', String(users.length)])
    const relay = await child<ServerReady>(SERVER, ['relay'])

    // ---- set-up: users signed in, an application each, one accepted conversation per pair ----
    const init = await client.call<{ seconds: number }>('init', {
      base: parley.ready.urls[0],
      host: HOME_POOL,
      users,
    })
    const senders = Array.from({ length: o.pairs }, (_, i) => i)
    const receivers = senders.map((i) => o.pairs + i)
    const created = await Promise.all([
      client.call<{ seconds: number }>('create', {
        set: 'parley-s',
        users: senders,
        prefix: 'im-s',
        concurrency: SETUP_CONCURRENCY / 2,
      }),
      client.call<{ seconds: number }>('create', {
        set: 'parley-r',
        users: receivers,
        prefix: 'im-r',
        concurrency: SETUP_CONCURRENCY / 2,
      }),
    ])
    const available = await Promise.all(
      ['parley-s', 'parley-r'].map((set) =>
        client.call<{ seconds: number }>('available', {
          set,
          body: AVAILABLE,
          concurrency: SETUP_CONCURRENCY / 2,
        }),
      ),
    )
    const pairs = await relay.call<RelayPair[]>('setup', { pairs: o.pairs })
    await client.call('imRelay', { world: 'relay', base: relay.ready.urls[0], pairs })
    await client.call('listen', { sets: ['parley-s', 'parley-r', 'relay-s', 'relay-r'] })
    await waitParked(parley, 2 * o.pairs)
    await waitParked(relay, 2 * o.pairs)
    await client.call('quiet', { ms: 300 })
    const connect = await client.call<{ seconds: number }>('imConnect', {
      world: 'parley',
      senders: 'parley-s',
      receivers: 'parley-r',
      concurrency: SETUP_CONCURRENCY,
    })
    await client.call('quiet', { ms: 300 })
    const setup = {
      users: users.length,
      signInSeconds: init.seconds,
      createSeconds: Math.max(...created.map((c) => c.seconds)),
      availableSeconds: Math.max(...available.map((a) => a.seconds)),
      connectSeconds: connect.seconds,
    }
    o.say(
      `  set-up: ${users.length} users signed in (${setup.signInSeconds.toFixed(1)} s), applications created ` +
        `(${setup.createSeconds.toFixed(1)} s) and made available (${setup.availableSeconds.toFixed(1)} s), ` +
        `${o.pairs} conversations accepted (${setup.connectSeconds.toFixed(1)} s)`,
    )
    const servers: Record<ImSide, Server> = { parley, relay }

    // ---- latency at fixed rates: Parley at ½ and all of BENCH_IM_RATE, then the relay ----
    // First, while every sender has its whole budget under Parley's per-user limit.
    const latency: ImLatencyRun[] = []
    const half = Math.max(1, Math.round(o.rate / 2))
    const latencyRuns: [ImSide, number][] = [
      ...(half < o.rate ? [['parley', half] as [ImSide, number]] : []),
      ['parley', o.rate],
      ['relay', o.rate],
    ]
    for (const [side, rate] of latencyRuns) {
      o.say(`  latency at ${rate} messages/s (${side}): ${o.seconds} s after ${o.warmupSeconds} s warm-up`)
      const server = servers[side]
      const cpu0 = await cpuMs(server)
      const file =
        side === 'parley' && o.profileDir ? join(o.profileDir, `im-latency-${rate}.cpuprofile`) : undefined
      const r = await profiled(server, file, () =>
        client.call<ClientRun & { warmupSent: number }>('imRate', {
          world: side,
          rate,
          seconds: o.seconds,
          warmupSeconds: o.warmupSeconds,
        }),
      )
      const serverCpuMs = (await cpuMs(server)) - cpu0
      latency.push({
        side,
        rate,
        achievedRate: r.sent / r.seconds,
        sent: r.sent,
        skipped: r.skipped,
        undelivered: r.undelivered,
        seconds: r.seconds,
        p50Ms: percentile(r.latenciesMs, 50),
        p99Ms: percentile(r.latenciesMs, 99),
        maxMs: percentile(r.latenciesMs, 100),
        postP50Ms: percentile(r.postLatenciesMs, 50),
        postP99Ms: percentile(r.postLatenciesMs, 99),
        serverCpuUsPerMessage: (serverCpuMs * 1000) / Math.max(1, r.sent + r.warmupSent),
        clientCpuUsPerMessage: (r.clientCpuMs * 1000) / Math.max(1, r.sent),
      })
    }

    // ---- throughput: interleaved slices, the relay and Parley taking turns ----
    o.say(
      `  throughput: ${o.concurrency} POSTs in flight at most, ${o.seconds} s per side in ${o.rounds} ` +
        'interleaved rounds after a warm-up each',
    )
    const slice = async (side: ImSide, seconds: number, counted: boolean) => {
      const cpu0 = await cpuMs(servers[side])
      const r = await client.call<ClientRun>('imThroughput', {
        world: side,
        seconds,
        rampSeconds: RAMP_SECONDS,
        concurrency: o.concurrency,
        counted,
      })
      return { run: r, serverCpuMs: (await cpuMs(servers[side])) - cpu0 }
    }
    for (const side of ['relay', 'parley'] as const) await slice(side, o.warmupSeconds, false)
    const runs: Record<ImSide, ClientRun[]> = { parley: [], relay: [] }
    const serverCpu: Record<ImSide, number> = { parley: 0, relay: 0 }
    const file = o.profileDir ? join(o.profileDir, 'im-throughput.cpuprofile') : undefined
    await profiled(parley, file, async () => {
      for (let round = 0; round < o.rounds; round++) {
        const order: ImSide[] = round % 2 === 0 ? ['parley', 'relay'] : ['relay', 'parley']
        for (const side of order) {
          const { run, serverCpuMs } = await slice(side, o.seconds / o.rounds, true)
          runs[side].push(run)
          serverCpu[side] += serverCpuMs
        }
      }
    })
    const throughput = {
      parley: summarizeThroughput('parley', runs.parley, serverCpu.parley),
      relay: summarizeThroughput('relay', runs.relay, serverCpu.relay),
    }
    await client.call('unlisten')
    const unexpected = Math.max(0, ...[...runs.parley, ...runs.relay].map((r) => r.unexpected))
    return {
      pairs: o.pairs,
      rate: o.rate,
      concurrency: o.concurrency,
      rounds: o.rounds,
      setup,
      latency,
      throughput,
      unexpected,
    }
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined)
  }
}
