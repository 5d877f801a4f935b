// The event-channel scenarios' results: per-request memory and ratios, PASS/FAIL against the
// issue's targets, and the text report.

import type { MemorySample } from './event-server.ts'
import type { EndpointsResult, EventResults, FanoutRun, LatencyRun } from './events.ts'
import { dec, int, table, verdict } from './report.ts'

/** The targets. */
export const ENDPOINTS_TARGET = 19_000
export const MEMORY_MAX_RATIO = 2
export const LATENCY_P99_MAX_MS = 10
export const LATENCY_TARGET_RATE = 1000
/** A latency run counts only if it sent this share of the changes asked for. */
const MIN_ACHIEVED_SHARE = 0.99

/** Growth per request, in bytes (after a full GC on both sides). */
export interface PerRequest {
  readonly rssBytes: number
  readonly heapBytes: number
}

export interface EventReport {
  readonly endpoints?: EndpointsResult & {
    readonly perRequest: {
      readonly bare: PerRequest
      /** One more parked P-GET (applications already created). */
      readonly parley: PerRequest
      /** A whole endpoint: its application and its parked P-GET (from the signed-in state). */
      readonly parleyEndpoint: PerRequest
    }
    /** Parley per parked P-GET ÷ bare per parked request. */
    readonly ratio: { readonly rss: number; readonly heap: number }
    readonly target: { readonly endpoints: number; readonly maxRatio: number }
    readonly pass: { readonly held: boolean; readonly memory: boolean }
  }
  readonly latency?: {
    readonly users: number
    readonly runs: readonly LatencyRun[]
    /** The run judged: own other endpoint at BENCH_EVENT_RATE. */
    readonly judged?: LatencyRun
    readonly target: { readonly p99Ms: number; readonly rate: number }
    readonly pass: boolean
  }
  readonly fanout?: readonly FanoutRun[]
}

function growth(before: MemorySample, after: MemorySample, count: number): PerRequest {
  const n = Math.max(1, count)
  return { rssBytes: (after.rss - before.rss) / n, heapBytes: (after.heapUsed - before.heapUsed) / n }
}

export function buildEventReport(results: EventResults, eventRate: number): EventReport {
  const report: { -readonly [K in keyof EventReport]: EventReport[K] } = {}
  const e = results.endpoints
  if (e) {
    const bare = growth(e.bare.before, e.bare.after, e.bare.held)
    const parley = growth(e.parley.before, e.parley.after, e.parley.held)
    const ratio = { rss: parley.rssBytes / bare.rssBytes, heap: parley.heapBytes / bare.heapBytes }
    report.endpoints = {
      ...e,
      perRequest: { bare, parley, parleyEndpoint: growth(e.parley.signedIn, e.parley.after, e.parley.held) },
      ratio,
      target: { endpoints: ENDPOINTS_TARGET, maxRatio: MEMORY_MAX_RATIO },
      pass: {
        held: e.parley.held >= ENDPOINTS_TARGET,
        memory: ratio.rss <= MEMORY_MAX_RATIO && ratio.heap <= MEMORY_MAX_RATIO,
      },
    }
  }
  if (results.latency) {
    const judged = results.latency.runs.find(
      (r) => r.rate === eventRate && r.receiver === 'own other endpoint',
    )
    report.latency = {
      ...results.latency,
      ...(judged ? { judged } : {}),
      target: { p99Ms: LATENCY_P99_MAX_MS, rate: LATENCY_TARGET_RATE },
      pass:
        judged !== undefined &&
        judged.rate >= LATENCY_TARGET_RATE &&
        judged.p99Ms <= LATENCY_P99_MAX_MS &&
        judged.achievedRate >= MIN_ACHIEVED_SHARE * judged.rate,
    }
  }
  if (results.fanout) report.fanout = results.fanout
  return report
}

const kb = (bytes: number) => dec(bytes / 1024, 1)
const mb = (bytes: number) => int(bytes / 1024 / 1024)
const ms = (n: number) => dec(n, n < 10 ? 2 : 1)

function formatEndpoints(e: NonNullable<EventReport['endpoints']>): string[] {
  const row = (label: string, h: typeof e.bare, per: PerRequest) => [
    label,
    int(h.held),
    dec(h.setupSeconds, 1),
    `${mb(h.before.rss)} → ${mb(h.after.rss)}`,
    `${mb(h.before.heapUsed)} → ${mb(h.after.heapUsed)}`,
    kb(per.rssBytes),
    kb(per.heapBytes),
  ]
  const lines = [
    `Idle endpoints: ${int(e.parley.target)} parked requests per server, each on its own connection from a ` +
      `separate load-generator process, spread over ${e.ports} listening port(s); open-file limit ` +
      `${e.fdLimit === null ? 'unknown' : int(e.fdLimit)} per process. Memory after a full GC.`,
    table(
      ['server', 'held', 'set-up s', 'RSS MB', 'V8 heap MB', 'RSS KB/req', 'heap KB/req'],
      [
        row('bare node:http (parks every request)', e.bare, e.perRequest.bare),
        row('Parley (GET …/events?ack=1&timeout=1800)', e.parley, e.perRequest.parley),
        [
          'Parley, whole endpoint (application + P-GET)',
          '',
          '',
          `${mb(e.parley.signedIn.rss)} → ${mb(e.parley.after.rss)}`,
          `${mb(e.parley.signedIn.heapUsed)} → ${mb(e.parley.after.heapUsed)}`,
          kb(e.perRequest.parleyEndpoint.rssBytes),
          kb(e.perRequest.parleyEndpoint.heapBytes),
        ],
      ],
    ),
    `Set-up before the P-GETs: ${e.parley.users} users signed in once each (${dec(e.parley.signInSeconds, 1)} s), ` +
      `${int(e.parley.target)} applications created with POST applications (${dec(e.parley.createSeconds, 1)} s, ` +
      `${int(e.parley.target / e.parley.createSeconds)}/s)`,
    ...(e.bare.problem ? [`bare server: ${e.bare.problem}`] : []),
    ...(e.parley.problem ? [`Parley: ${e.parley.problem}`] : []),
    '',
    `Endpoints held: ${int(e.parley.held)} (target ≥ ${int(e.target.endpoints)}): ${verdict(e.pass.held)}`,
    `Memory per parked P-GET ÷ bare server's per parked request: RSS ${dec(e.ratio.rss)}×, ` +
      `V8 heap ${dec(e.ratio.heap)}× (target ≤ ${dec(e.target.maxRatio, 0)}× on both): ${verdict(e.pass.memory)}`,
  ]
  return lines
}

function formatLatency(l: NonNullable<EventReport['latency']>): string[] {
  const rows = l.runs.map((r) => [
    r.receiver,
    int(r.rate),
    int(r.achievedRate),
    int(r.skipped),
    ms(r.p50Ms),
    ms(r.p99Ms),
    ms(r.maxMs),
    int(r.eventsPerSecond),
    int(r.serverCpuUsPerChange),
    int(r.clientCpuUsPerChange),
  ])
  const j = l.judged
  return [
    `Event delivery latency: ${l.users} users, each changing its note (POST me/note) on endpoint A; from ` +
      'sending the change until the receiver’s P-GET response with the event has arrived. Every endpoint ' +
      'keeps a P-GET parked and re-parks at once.',
    table(
      [
        'receiver',
        'asked/s',
        'sent/s',
        'skipped',
        'p50 ms',
        'p99 ms',
        'max ms',
        'events delivered/s',
        'server CPU µs/change',
        'load gen. CPU µs/change',
      ],
      rows,
    ),
    '"skipped": changes not sent because all users were still waiting for their previous one (the server ' +
      'fell behind); "events delivered/s" counts every endpoint’s events, the sender’s own included.',
    '',
    j
      ? `Latency at ${int(j.rate)} changes/s to the user's other endpoint: p99 ${ms(j.p99Ms)} ms, ` +
        `${int(j.achievedRate)} sent/s (target p99 ≤ ${l.target.p99Ms} ms at ${int(l.target.rate)}/s): ${verdict(l.pass)}`
      : 'Latency: no run at the target rate: FAIL',
  ]
}

function formatFanout(runs: readonly FanoutRun[]): string[] {
  return [
    'Presence fan-out: one user changes its note, one change at a time; each is done when every receiver’s ' +
      'P-GET has delivered it. Receivers: the user’s own other endpoints (me/note events), or applications ' +
      'of other users subscribed to the user (contactNote events).',
    table(
      [
        'receivers',
        'count',
        'changes',
        'events/s',
        'to all p50 ms',
        'to all p99 ms',
        'per event p50 ms',
        'per event p99 ms',
        'server CPU µs/event',
        'load gen. CPU µs/event',
      ],
      runs.map((r) => [
        r.mode,
        int(r.receivers),
        int(r.changes),
        int(r.eventsPerSecond),
        ms(r.changeP50Ms),
        ms(r.changeP99Ms),
        ms(r.eventP50Ms),
        ms(r.eventP99Ms),
        int(r.serverCpuUsPerEvent),
        int(r.clientCpuUsPerEvent),
      ]),
    ),
  ]
}

export function formatEventReport(r: EventReport): string {
  const sections: string[][] = []
  if (r.endpoints) sections.push(formatEndpoints(r.endpoints))
  if (r.latency) sections.push(formatLatency(r.latency))
  if (r.fanout) sections.push(formatFanout(r.fanout))
  return `${sections.map((s) => s.join('\n')).join('\n\n')}\n`
}
