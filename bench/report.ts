// Turns the raw measurements into ratios, a readable table and the JSON written to
// bench/results/latest.json.
import type { HttpSummary } from './load-generator.ts'
import type { RateSummary } from './stats.ts'

/** The target: checking a token adds under 10% to a request. */
export const TOKEN_CHECK_MAX_OVERHEAD = 0.1
/** Sign-ins count as bound by the hash cost when they reach this share of the raw hash rate. */
export const SIGN_IN_MIN_HASH_SHARE = 0.9

export interface Measurements {
  readonly bare: HttpSummary
  readonly live: HttpSummary
  readonly people: HttpSummary
  readonly signIns: RateSummary
  readonly hashes: RateSummary
}

export interface RunInfo {
  readonly date: string
  readonly node: string
  readonly platform: string
  readonly cpus: number
  readonly cpuModel: string
  readonly durationSeconds: number
  readonly connections: number
  readonly signInConcurrency: number
  readonly argon2: { readonly memory: number; readonly passes: number; readonly parallelism: number }
}

export interface Report {
  readonly run: RunInfo
  readonly http: {
    readonly bare: HttpSummary & { readonly path: string }
    readonly parleyLive: HttpSummary & { readonly path: string; readonly vsBare: number }
    readonly parleyPeople: HttpSummary & { readonly path: string; readonly vsBare: number }
  }
  readonly tokenCheck: {
    /** people req/s ÷ health/live req/s (1 = free, lower = costlier). */
    readonly throughputRatio: number
    /** Extra time per request the authenticated route costs: live req/s ÷ people req/s − 1. */
    readonly overhead: number
    readonly target: number
    readonly pass: boolean
  }
  readonly signIns: {
    readonly signIns: RateSummary
    readonly hashes: RateSummary
    /** sign-ins/s ÷ hashes/s (1 = bound only by the hash). */
    readonly ratio: number
    readonly target: number
    readonly pass: boolean
  }
}

export const PEOPLE_PATH = '/ucwa/oauth/v1/applications/{id}/people'

export function buildReport(run: RunInfo, m: Measurements): Report {
  const rps = (s: HttpSummary) => s.requestsPerSecond
  const overhead = rps(m.live) / rps(m.people) - 1
  const ratio = m.signIns.perSecond / m.hashes.perSecond
  return {
    run,
    http: {
      bare: { path: '/bare', ...m.bare },
      parleyLive: { path: '/health/live', ...m.live, vsBare: rps(m.live) / rps(m.bare) },
      parleyPeople: { path: PEOPLE_PATH, ...m.people, vsBare: rps(m.people) / rps(m.bare) },
    },
    tokenCheck: {
      throughputRatio: rps(m.people) / rps(m.live),
      overhead,
      target: TOKEN_CHECK_MAX_OVERHEAD,
      pass: overhead < TOKEN_CHECK_MAX_OVERHEAD,
    },
    signIns: {
      signIns: m.signIns,
      hashes: m.hashes,
      ratio,
      target: SIGN_IN_MIN_HASH_SHARE,
      pass: ratio >= SIGN_IN_MIN_HASH_SHARE,
    },
  }
}

const int = (n: number) => Math.round(n).toLocaleString('en-US')
const dec = (n: number, digits = 2) => n.toFixed(digits)
const pct = (n: number) => `${n >= 0 ? '+' : ''}${(n * 100).toFixed(1)}%`
const verdict = (pass: boolean) => (pass ? 'PASS' : 'FAIL')

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
  const line = (cells: readonly string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ')
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n')
}

export function formatReport(r: Report): string {
  const { run, http, tokenCheck, signIns } = r
  const a = run.argon2
  const out: string[] = []
  out.push(
    `Parley benchmark — ${run.date}`,
    `Node ${run.node} on ${run.platform}, ${run.cpus} CPU(s) (${run.cpuModel})`,
    '',
    `HTTP: autocannon, ${run.connections} connections, ${run.durationSeconds} s per route (after a warm-up)`,
    table(
      ['route', 'req/s', 'p50 ms', 'p99 ms', 'vs bare'],
      [
        [
          'bare fastify  GET /bare',
          int(http.bare.requestsPerSecond),
          dec(http.bare.latencyP50Ms),
          dec(http.bare.latencyP99Ms),
          '1.00',
        ],
        [
          'parley        GET /health/live',
          int(http.parleyLive.requestsPerSecond),
          dec(http.parleyLive.latencyP50Ms),
          dec(http.parleyLive.latencyP99Ms),
          dec(http.parleyLive.vsBare),
        ],
        [
          'parley (auth) GET …/applications/{id}/people',
          int(http.parleyPeople.requestsPerSecond),
          dec(http.parleyPeople.latencyP50Ms),
          dec(http.parleyPeople.latencyP99Ms),
          dec(http.parleyPeople.vsBare),
        ],
      ],
    ),
    '',
    `Token check: people ÷ health/live throughput = ${dec(tokenCheck.throughputRatio)}, ` +
      `time per request ${pct(tokenCheck.overhead)} ` +
      `(target < ${pct(tokenCheck.target)}): ${verdict(tokenCheck.pass)}`,
    '',
    `Sign-ins: concurrency ${run.signInConcurrency}, ${run.durationSeconds} s, argon2id m=${a.memory} KiB t=${a.passes} p=${a.parallelism}`,
    table(
      ['measure', 'per s', 'count', 'p50 ms', 'p99 ms'],
      [
        [
          'full sign-ins (token POST + POST applications)',
          dec(signIns.signIns.perSecond, 1),
          String(signIns.signIns.completed),
          dec(signIns.signIns.latencyP50Ms, 1),
          dec(signIns.signIns.latencyP99Ms, 1),
        ],
        [
          'raw argon2id hashes (node:crypto, async)',
          dec(signIns.hashes.perSecond, 1),
          String(signIns.hashes.completed),
          dec(signIns.hashes.latencyP50Ms, 1),
          dec(signIns.hashes.latencyP99Ms, 1),
        ],
      ],
    ),
    '',
    `Sign-in rate ÷ hash rate = ${dec(signIns.ratio)} ` +
      `(close to 1 = bound by the hash; target ≥ ${dec(signIns.target)}): ${verdict(signIns.pass)}`,
  )
  return `${out.join('\n')}\n`
}
