// Turns the raw measurements into ratios, a readable table and the JSON written to
// bench/results/latest.json.
import { type Step, TOKEN_CHECK_STEP } from './breakdown.ts'
import type { Summary } from './stats.ts'

/** The target: checking a token adds under 10% to a request. */
export const TOKEN_CHECK_MAX_OVERHEAD = 0.1
/** Sign-ins count as bound by the hash cost when they reach this share of the raw hash rate. */
export const SIGN_IN_MIN_HASH_SHARE = 0.9

export interface Measurements {
  readonly bare: Summary
  readonly live: Summary
  readonly people: Summary
  /** Autodiscover root (no token) and user resource (token): the same small links document. */
  readonly adRoot: Summary
  readonly adUser: Summary
  readonly signIns: Summary
  readonly hashes: Summary
  readonly steps: readonly Step[]
}

export interface RunInfo {
  readonly date: string
  readonly node: string
  readonly platform: string
  readonly cpus: number
  readonly cpuModel: string
  /** Measured seconds per scenario, split into interleaved rounds. */
  readonly durationSeconds: number
  readonly httpRounds: number
  readonly signInRounds: number
  readonly warmupSeconds: number
  readonly connections: number
  readonly signInConcurrency: number
  readonly argon2: { readonly memory: number; readonly passes: number; readonly parallelism: number }
}

export interface Report {
  readonly run: RunInfo
  readonly http: {
    readonly bare: Summary & { readonly path: string }
    readonly parleyLive: Summary & { readonly path: string; readonly vsBare: number }
    readonly parleyPeople: Summary & { readonly path: string; readonly vsBare: number }
    readonly autodiscoverRoot: Summary & { readonly path: string; readonly vsBare: number }
    readonly autodiscoverUser: Summary & { readonly path: string; readonly vsBare: number }
  }
  readonly tokenCheck: {
    /** Autodiscover user (token) req/s ÷ root (no token) req/s (1 = free, lower = costlier). */
    readonly throughputRatio: number
    /** Extra time per request the token costs: root req/s ÷ user req/s − 1. Judged. */
    readonly overhead: number
    /** A whole authenticated UCWA request vs /health/live: token + application + resource. */
    readonly ucwaRequestOverhead: number
    readonly target: number
    /** Judged on `overhead`. */
    readonly pass: boolean
    /** The judged comparison in server-thread CPU per request: user ÷ root − 1. */
    readonly cpuOverhead: number | null
    /** The cached token check alone (in-process) as a share of a /health/live request's CPU. */
    readonly isolatedShare: number | null
    /** In-process cost of each step the people route adds, and its share of a /health/live request. */
    readonly steps: readonly (Step & { readonly shareOfLiveRequest: number | null })[]
  }
  readonly signIns: {
    readonly signIns: Summary
    readonly hashes: Summary
    /** sign-ins/s ÷ hashes/s (1 = bound only by the hash). */
    readonly ratio: number
    readonly target: number
    readonly pass: boolean
    /** Where a sign-in's CPU goes (ms), when measured; the machine has `run.cpus` cores to share. */
    readonly cpu: {
      /** One raw hash (whole process during the hash slices). */
      readonly perHashMs: number
      /** One sign-in, whole process: hash + server + load generator. */
      readonly perSignInMs: number
      /** Of which the server thread (HTTP, SQLite, JSON, starting the hash job; the hash itself runs on the libuv pool). */
      readonly serverMs: number
      /** Of which the load generator, which a real deployment would not host. */
      readonly clientMs: number
      /** perHashMs ÷ (perSignInMs − clientMs): the ratio to expect with the load generated elsewhere. */
      readonly ratioWithoutClient: number
    } | null
  }
}

export const PEOPLE_PATH = '/ucwa/oauth/v1/applications/{id}/people'
export const AD_ROOT_PATH = '/Autodiscover/AutodiscoverService.svc/root'
export const AD_USER_PATH = '/Autodiscover/AutodiscoverService.svc/root/oauth/user'

export function buildReport(run: RunInfo, m: Measurements): Report {
  const rps = (s: Summary) => s.perSecond
  const overhead = rps(m.adRoot) / rps(m.adUser) - 1
  const ratio = m.signIns.perSecond / m.hashes.perSecond
  const liveCpu = m.live.serverCpuUsPerOp
  const rootCpu = m.adRoot.serverCpuUsPerOp
  const userCpu = m.adUser.serverCpuUsPerOp
  const tokenStep = m.steps.find((step) => step.name === TOKEN_CHECK_STEP)
  return {
    run,
    http: {
      bare: { path: '/bare', ...m.bare },
      parleyLive: { path: '/health/live', ...m.live, vsBare: rps(m.live) / rps(m.bare) },
      parleyPeople: { path: PEOPLE_PATH, ...m.people, vsBare: rps(m.people) / rps(m.bare) },
      autodiscoverRoot: { path: AD_ROOT_PATH, ...m.adRoot, vsBare: rps(m.adRoot) / rps(m.bare) },
      autodiscoverUser: { path: AD_USER_PATH, ...m.adUser, vsBare: rps(m.adUser) / rps(m.bare) },
    },
    tokenCheck: {
      throughputRatio: rps(m.adUser) / rps(m.adRoot),
      overhead,
      ucwaRequestOverhead: rps(m.live) / rps(m.people) - 1,
      target: TOKEN_CHECK_MAX_OVERHEAD,
      pass: overhead < TOKEN_CHECK_MAX_OVERHEAD,
      cpuOverhead: rootCpu && userCpu ? userCpu / rootCpu - 1 : null,
      isolatedShare: liveCpu && tokenStep ? tokenStep.cpuUsPerCall / liveCpu : null,
      steps: m.steps.map((step) => ({
        ...step,
        shareOfLiveRequest: liveCpu ? step.cpuUsPerCall / liveCpu : null,
      })),
    },
    signIns: {
      signIns: m.signIns,
      hashes: m.hashes,
      ratio,
      target: SIGN_IN_MIN_HASH_SHARE,
      pass: ratio >= SIGN_IN_MIN_HASH_SHARE,
      cpu: signInCpu(m.hashes, m.signIns),
    },
  }
}

function signInCpu(hashes: Summary, signIns: Summary): Report['signIns']['cpu'] {
  const perHash = hashes.processCpuUsPerOp
  const perSignIn = signIns.processCpuUsPerOp
  const server = signIns.serverCpuUsPerOp
  const client = signIns.clientCpuUsPerOp
  if (!perHash || !perSignIn || server === undefined || client === undefined) return null
  return {
    perHashMs: perHash / 1000,
    perSignInMs: perSignIn / 1000,
    serverMs: server / 1000,
    clientMs: client / 1000,
    ratioWithoutClient: perHash / (perSignIn - client),
  }
}

export const int = (n: number) => Math.round(n).toLocaleString('en-US')
export const dec = (n: number, digits = 2) => n.toFixed(digits)
const pct = (n: number) => `${n >= 0 ? '+' : ''}${(n * 100).toFixed(1)}%`
export const verdict = (pass: boolean) => (pass ? 'PASS' : 'FAIL')
const micros = (n: number | undefined) => (n === undefined ? '-' : n.toFixed(1))

/** Text columns (the first, and any named in `left`) align left; numbers align right. */
export function table(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  left: readonly number[] = [0],
): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (left.includes(i) ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0)))
      .join('  ')
      .trimEnd()
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n')
}

/** The first lines of the report: when and where it ran. */
export function formatHeader(run: RunInfo): string {
  return `Parley benchmark — ${run.date}\nNode ${run.node} on ${run.platform}, ${run.cpus} CPU(s) (${run.cpuModel})\n`
}

export function formatReport(r: Report): string {
  const { run, http, tokenCheck, signIns } = r
  const a = run.argon2
  const httpRow = (label: string, s: Summary, vsBare: number) => [
    label,
    int(s.perSecond),
    dec(s.latencyP50Ms),
    dec(s.latencyP99Ms),
    dec(vsBare),
    micros(s.serverCpuUsPerOp),
    micros(s.clientCpuUsPerOp),
  ]
  const rateRow = (label: string, s: Summary) => [
    label,
    dec(s.perSecond, 1),
    String(s.count),
    dec(s.latencyP50Ms, 1),
    dec(s.latencyP99Ms, 1),
  ]
  const lines = [
    formatHeader(run),
    `HTTP: autocannon, ${run.connections} connections, ${run.durationSeconds} s per route ` +
      `in ${run.httpRounds} interleaved rounds (after a ${run.warmupSeconds} s warm-up)`,
    table(
      ['route', 'req/s', 'p50 ms', 'p99 ms', 'vs bare', 'server CPU µs/req', 'load gen. CPU µs/req'],
      [
        httpRow('bare fastify  GET /bare', http.bare, 1),
        httpRow('parley        GET /health/live', http.parleyLive, http.parleyLive.vsBare),
        httpRow('parley (auth) GET …/applications/{id}/people', http.parleyPeople, http.parleyPeople.vsBare),
        httpRow(
          'parley        GET …/root (Autodiscover)',
          http.autodiscoverRoot,
          http.autodiscoverRoot.vsBare,
        ),
        httpRow('parley (auth) GET …/root/oauth/user', http.autodiscoverUser, http.autodiscoverUser.vsBare),
      ],
    ),
    '',
    `Token check: Autodiscover user (token) ÷ root (no token) throughput = ${dec(tokenCheck.throughputRatio)}, ` +
      `time per request ${pct(tokenCheck.overhead)} ` +
      `(target < ${pct(tokenCheck.target)}): ${verdict(tokenCheck.pass)}`,
    ...(tokenCheck.cpuOverhead === null
      ? []
      : [`             server CPU per request ${pct(tokenCheck.cpuOverhead)} (user vs root)`]),
    `             a whole authenticated UCWA request (token + application + resource) vs /health/live: ` +
      `${pct(tokenCheck.ucwaRequestOverhead)}`,
    ...(tokenCheck.isolatedShare === null
      ? []
      : [
          `             the token check alone (in-process, below) adds ${pct(tokenCheck.isolatedShare)} ` +
            'to a /health/live request',
        ]),
    '',
    'Steps the people route adds, in-process (server-thread CPU per call):',
    table(
      ['step', 'µs/call', 'vs /health/live', 'what'],
      tokenCheck.steps.map((s) => [
        s.name,
        micros(s.cpuUsPerCall),
        s.shareOfLiveRequest === null ? '-' : `${(s.shareOfLiveRequest * 100).toFixed(1)}%`,
        s.note,
      ]),
      [0, 3],
    ),
    '',
    `Sign-ins: concurrency ${run.signInConcurrency}, ${run.durationSeconds} s each in ${run.signInRounds} ` +
      `interleaved rounds, argon2id m=${a.memory} KiB t=${a.passes} p=${a.parallelism}`,
    table(
      ['measure', 'per s', 'count', 'p50 ms', 'p99 ms'],
      [
        rateRow('full sign-ins (token POST + POST applications)', signIns.signIns),
        rateRow('raw argon2id hashes (node:crypto, async)', signIns.hashes),
      ],
    ),
    '',
    `Sign-in rate ÷ hash rate = ${dec(signIns.ratio)} ` +
      `(close to 1 = bound by the hash; target ≥ ${dec(signIns.target)}): ${verdict(signIns.pass)}`,
    ...(signIns.cpu === null
      ? []
      : [
          `CPU per sign-in ${dec(signIns.cpu.perSignInMs, 1)} ms (server thread ${dec(signIns.cpu.serverMs, 1)} ms, ` +
            `load generator ${dec(signIns.cpu.clientMs, 1)} ms) vs ${dec(signIns.cpu.perHashMs, 1)} ms per raw hash; ` +
            `with the load generated elsewhere the ratio would be about ${dec(signIns.cpu.ratioWithoutClient)}`,
        ]),
  ]
  return `${lines.join('\n')}\n`
}
