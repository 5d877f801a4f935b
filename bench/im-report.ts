// The IM scenario's results: the ratio to the bare relay, PASS/FAIL against the targets,
// and the text report.
import type { ImLatencyRun, ImResults, ImThroughput } from './im.ts'
import { dec, int, table, verdict } from './report.ts'

/** The targets (issue 4). */
export const IM_THROUGHPUT_TARGET = 3000
export const IM_LATENCY_P99_MAX_MS = 20
export const IM_LATENCY_TARGET_RATE = 1000
/** A latency run counts only if it sent this share of the messages asked for. */
const MIN_ACHIEVED_SHARE = 0.99

export interface ImReport extends ImResults {
  readonly throughputVerdict: {
    /** Parley's delivered messages/s ÷ the bare relay's, measured in the same run. */
    readonly ratio: number
    /** Parley's server CPU per message ÷ the relay's (does not depend on which side was the bottleneck). */
    readonly cpuRatio: number
    readonly target: number
    readonly pass: boolean
  }
  readonly latencyVerdict: {
    /** Parley's run at BENCH_IM_RATE. */
    readonly judged: ImLatencyRun | undefined
    readonly target: { readonly p99Ms: number; readonly rate: number }
    readonly pass: boolean
  }
}

export function buildImReport(r: ImResults): ImReport {
  const { parley, relay } = r.throughput
  const judged = r.latency.find((run) => run.side === 'parley' && run.rate === r.rate)
  return {
    ...r,
    throughputVerdict: {
      ratio: parley.deliveredPerSecond / relay.deliveredPerSecond,
      cpuRatio: parley.serverCpuUsPerMessage / relay.serverCpuUsPerMessage,
      target: IM_THROUGHPUT_TARGET,
      pass: parley.deliveredPerSecond >= IM_THROUGHPUT_TARGET && parley.undelivered === 0,
    },
    latencyVerdict: {
      judged,
      target: { p99Ms: IM_LATENCY_P99_MAX_MS, rate: IM_LATENCY_TARGET_RATE },
      pass:
        judged !== undefined &&
        judged.rate >= IM_LATENCY_TARGET_RATE &&
        judged.p99Ms <= IM_LATENCY_P99_MAX_MS &&
        judged.undelivered === 0 &&
        judged.achievedRate >= MIN_ACHIEVED_SHARE * judged.rate,
    },
  }
}

const ms = (n: number) => dec(n, n < 10 ? 2 : 1)
const SIDES = { parley: 'Parley', relay: 'bare relay (node:http)' } as const

export function formatImReport(r: ImReport): string {
  const { parley, relay } = r.throughput
  const t = r.throughputVerdict
  const throughputRow = (x: ImThroughput) => [
    SIDES[x.side],
    int(x.deliveredPerSecond),
    int(x.postedPerSecond),
    int(x.eventsPerSecond),
    ms(x.p50Ms),
    ms(x.p99Ms),
    ms(x.postP50Ms),
    ms(x.postP99Ms),
    int(x.serverCpuUsPerMessage),
    int(x.clientCpuUsPerMessage),
  ]
  const latencyRow = (x: ImLatencyRun) => [
    SIDES[x.side],
    int(x.rate),
    int(x.achievedRate),
    int(x.skipped),
    ms(x.p50Ms),
    ms(x.p99Ms),
    ms(x.maxMs),
    ms(x.postP50Ms),
    ms(x.postP99Ms),
    int(x.serverCpuUsPerMessage),
    int(x.clientCpuUsPerMessage),
  ]
  const j = r.latencyVerdict.judged
  const target = r.latencyVerdict.target
  const budget = [parley.budgetWaits, ...r.latency.map((x) => x.skipped)].some((n) => n > 0)
  const undelivered = [parley, relay, ...r.latency].filter((x) => x.undelivered > 0)
  return [
    `Instant messaging: ${r.pairs} conversations (${r.setup.users} users), each between a sending and a ` +
      'receiving application, both keeping a P-GET parked and re-parking at once. A message runs from ' +
      'POST sendMessage until the receiver’s P-GET response carrying it; the sender’s P-GET gets its echo. ' +
      'Bare relay: node:http and JSON answering the same requests, in the same pattern.',
    `Throughput: at most ${r.concurrency} POSTs in flight (each sender one at a time), ` +
      `${dec(parley.seconds, 0)} s per server in ${r.rounds} interleaved rounds.`,
    table(
      [
        'server',
        'delivered/s',
        'POST 201/s',
        'events/s',
        'p50 ms',
        'p99 ms',
        'POST p50 ms',
        'POST p99 ms',
        'server CPU µs/msg',
        'load gen. CPU µs/msg',
      ],
      [throughputRow(relay), throughputRow(parley)],
    ),
    '"delivered/s": messages that reached the receiver’s P-GET within the measured windows (each slice ' +
      'after a 0.25 s ramp); "events/s": every P-GET’s message events (the receivers’ and the senders’ echoes).',
    '',
    `IM throughput: Parley ${int(parley.deliveredPerSecond)} delivered messages/s, ${dec(t.ratio)}× the bare ` +
      `relay’s ${int(relay.deliveredPerSecond)} (target ≥ ${int(t.target)}/s): ${verdict(t.pass)}`,
    `               server CPU per message ${dec(t.cpuRatio, 1)}× the relay’s ` +
      `(${int(parley.serverCpuUsPerMessage)} vs ${int(relay.serverCpuUsPerMessage)} µs)`,
    '',
    `Latency at fixed rates, messages round-robin over the senders, ${dec(r.latency[0]?.seconds ?? 0, 0)} s ` +
      'each after a warm-up; from the POST until the receiver’s P-GET response carrying the message:',
    table(
      [
        'server',
        'asked/s',
        'sent/s',
        'skipped',
        'p50 ms',
        'p99 ms',
        'max ms',
        'POST p50 ms',
        'POST p99 ms',
        'server CPU µs/msg',
        'load gen. CPU µs/msg',
      ],
      r.latency.map(latencyRow),
    ),
    '',
    j
      ? `IM latency at ${int(j.rate)} messages/s: p99 ${ms(j.p99Ms)} ms, ${int(j.achievedRate)} sent/s ` +
        `(target p99 ≤ ${target.p99Ms} ms at ${int(target.rate)}/s): ` +
        verdict(r.latencyVerdict.pass)
      : 'IM latency: no Parley run: FAIL',
    ...(budget
      ? [
          'Parley’s per-user limit (100 messages per 10 s, not configurable) held the senders back ' +
            `(${int(parley.budgetWaits)} waits, ${int(r.latency.reduce((n, x) => n + x.skipped, 0))} skipped): ` +
            'the figures above are bounded by it; raise BENCH_IM_PAIRS.',
        ]
      : []),
    ...undelivered.map(
      (x) => `${SIDES[x.side]}: ${int(x.undelivered)} message(s) never reached their receiver or sender`,
    ),
    ...(r.unexpected > 0
      ? [
          `${int(r.unexpected)} message event(s) matched no message awaited (duplicates, wrong conversation or direction)`,
        ]
      : []),
    `Set-up: ${int(r.setup.users)} users signed in once each (${dec(r.setup.signInSeconds, 1)} s; a cheap ` +
      `argon2id for this scenario), ${int(2 * r.pairs)} applications created ` +
      `(${dec(r.setup.createSeconds, 1)} s) and made available (${dec(r.setup.availableSeconds, 1)} s), ` +
      `${int(r.pairs)} invitations sent and accepted (${dec(r.setup.connectSeconds, 1)} s).`,
    '',
  ].join('\n')
}
