// `npm run bench`: measures Parley against a bare Fastify route in the same run, so the results
// are ratios that hold from one machine to the next. See docs/benchmarks.md.
//
//   BENCH_DURATION     measured seconds per scenario (default 5)
//   BENCH_CONNECTIONS  autocannon connections for the HTTP scenarios (default 10)
//   BENCH_SCENARIOS    some of http, endpoints, delivery, im, cluster (default all); more in the docs
import { argon2, randomBytes } from 'node:crypto'
import { mkdirSync, writeFileSync } from 'node:fs'
import { cpus, platform, release } from 'node:os'
import { join } from 'node:path'
import { asApplicationId } from '../src/domain/ids.ts'
import { parseSipUri } from '../src/domain/users/sip-uri.ts'
import type { RunningServer } from '../src/main.ts'
import { OWASP_ARGON2ID } from '../src/platform/argon2-password-hasher.ts'
import { createApplication, PASSWORDS, signIn } from '../test/helpers/server.ts'
import { postgresAnswers, redisAnswers } from '../test/helpers/services.ts'
import { measureSteps } from './breakdown.ts'
import { formatClusterReport, runClusterScenario } from './cluster.ts'
import { buildEventReport, type EventReport, formatEventReport } from './event-report.ts'
import { runEventScenarios } from './events.ts'
import { runImScenario } from './im.ts'
import { buildImReport, formatImReport, type ImReport } from './im-report.ts'
import { LoadGenerator } from './load-generator.ts'
import {
  AD_ROOT_PATH,
  AD_USER_PATH,
  buildReport,
  formatHeader,
  formatReport,
  type Report,
  type RunInfo,
} from './report.ts'
import { processCpuMs, type Sample, type Summary, sampleRate, summarize, threadCpuMs } from './stats.ts'
import { SIGN_IN_USERS, startBare, startParley } from './targets.ts'

const HOME_POOL = 'pool01.example.test'
const SIGN_IN_CONCURRENCY = 4
const STEP_SECONDS = 0.5
/** Signs in once for the token-check scenario. */
const TOKEN_CHECK_USER = { username: 'alice@example.test', password: PASSWORDS.alice }

const durationSeconds = positiveNumber('BENCH_DURATION', 5)
const connections = Math.round(positiveNumber('BENCH_CONNECTIONS', 10))
const warmupSeconds = Math.min(1, durationSeconds / 5)
// Scenarios compared with each other run in alternating slices, so a machine that speeds up or
// slows down during the run (shared hosts do) affects both sides of a ratio alike.
const httpRounds = Math.max(1, Math.round(durationSeconds))
const signInRounds = Math.max(1, Math.round(durationSeconds))
// The event-channel scenarios (bench/events.ts).
const endpoints = Math.round(positiveNumber('BENCH_ENDPOINTS', 19_000))
const eventRate = Math.round(positiveNumber('BENCH_EVENT_RATE', 1000))
const fanout = positiveList('BENCH_FANOUT', [10, 100, 1000])
// The instant-messaging scenario (bench/im.ts).
const imRate = Math.round(positiveNumber('BENCH_IM_RATE', 1000))
const imPairs = Math.round(positiveNumber('BENCH_IM_PAIRS', 300))
const imConcurrency = Math.round(positiveNumber('BENCH_IM_CONCURRENCY', 64))
const profileDir = process.env.BENCH_PROFILE_DIR || undefined
// The cluster scenario (bench/cluster.ts): needs PostgreSQL and Redis (test/helpers/services.ts).
const clusterPairs = Math.round(positiveNumber('BENCH_CLUSTER_PAIRS', 16))
const SCENARIOS = ['http', 'endpoints', 'delivery', 'im', 'cluster'] as const
type Scenario = (typeof SCENARIOS)[number]
const scenarios = scenarioList(process.env.BENCH_SCENARIOS)

function positiveNumber(name: string, fallback: number): number {
  const raw = process.env[name]
  if (raw === undefined || raw === '') return fallback
  const value = Number(raw.replace(/s$/, ''))
  if (!Number.isFinite(value) || value <= 0)
    throw new Error(`${name} must be a positive number, got "${raw}"`)
  return value
}

function positiveList(name: string, fallback: number[]): number[] {
  const raw = process.env[name]
  if (raw === undefined || raw === '') return fallback
  const values = raw.split(',').map((v) => Number(v.trim()))
  if (values.some((v) => !Number.isInteger(v) || v <= 0))
    throw new Error(`${name} must be a comma-separated list of positive integers, got "${raw}"`)
  return values
}

function scenarioList(raw: string | undefined): ReadonlySet<Scenario> {
  if (raw === undefined || raw === '') return new Set(SCENARIOS)
  const names = raw.split(',').map((v) => v.trim())
  const known = new Set<string>(SCENARIOS)
  const unknown = names.filter((n) => !known.has(n))
  if (unknown.length > 0 || names.length === 0)
    throw new Error(`BENCH_SCENARIOS: expected some of ${SCENARIOS.join(', ')}, got "${raw}"`)
  return new Set(names as Scenario[])
}

const say = (line: string) => process.stderr.write(`${line}\n`)

type Measure = (seconds: number) => Promise<Sample>

/**
 * Adds the CPU the slice cost: the servers run on this thread and nothing else does meanwhile,
 * so its CPU time is theirs (argon2 runs on the libuv pool and counts only for the process).
 */
function withCpu(measure: Measure): Measure {
  return async (seconds) => {
    const thread = process.threadCpuUsage()
    const all = process.cpuUsage()
    const sample = await measure(seconds)
    return { ...sample, serverCpuMs: threadCpuMs(thread), processCpuMs: processCpuMs(all) }
  }
}

/** Warms each scenario up, then measures them in `rounds` slices, rotating the order each round. */
async function interleaved<K extends string>(
  scenarios: Record<K, Measure>,
  rounds: number,
): Promise<Record<K, Summary>> {
  const names = Object.keys(scenarios) as K[]
  const samples = new Map<K, Sample[]>(names.map((n) => [n, []]))
  for (const name of names) await scenarios[name](warmupSeconds)
  const slice = durationSeconds / rounds
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < names.length; i++) {
      const name = names[(round + i) % names.length] as K
      samples.get(name)?.push(await scenarios[name](slice))
    }
  }
  return Object.fromEntries(names.map((n) => [n, summarize(samples.get(n) ?? [])])) as Record<K, Summary>
}

/**
 * Every sign-in creates an application; removing them between slices (untimed) keeps each user
 * at a handful, as under the production cap of 10, rather than hundreds growing through the run
 * (creating one lists the user's live applications).
 */
async function removeApplications(server: RunningServer): Promise<void> {
  const { store } = server
  for (const { username } of SIGN_IN_USERS) {
    const uri = parseSipUri(username)
    const user = uri && (await store.users.findBySipUri(uri))
    if (!user) continue
    for (const app of await store.applications.listByUser(user.id)) await store.applications.remove(app.id)
  }
}

/** Raw argon2id at the hasher's parameters: the ceiling for sign-ins on this machine. */
const hashOnce = () =>
  new Promise<void>((resolve, reject) => {
    const options = { message: 'bench-password-1', nonce: randomBytes(16), tagLength: 32, ...OWASP_ARGON2ID }
    argon2('argon2id', options, (err) => (err ? reject(err) : resolve()))
  })

/** The HTTP, token-check and sign-in scenarios: servers on this thread, load on a worker. */
async function httpScenarios(run: RunInfo, cleanups: (() => Promise<void>)[]): Promise<Report> {
  const load = new LoadGenerator()
  cleanups.push(() => load.close())
  const bare = await startBare()
  cleanups.push(() => bare.stop())
  const parley = await startParley()
  cleanups.push(() => parley.stop())

  // One sign-in and one application for the token-check scenario.
  const { username, password } = TOKEN_CHECK_USER
  const token = await signIn(parley.url, HOME_POOL, username, password)
  const created = await createApplication(parley.url, HOME_POOL, token, {
    UserAgent: 'parley-bench/1.0',
    EndpointId: 'bench-token-check',
    Culture: 'en-US',
  })
  const self: unknown = created.json?._links?.self?.href
  if (created.status !== 201 || typeof self !== 'string') {
    throw new Error(`create application failed: ${created.status} ${created.text}`)
  }

  say(
    `• HTTP: bare /bare; Parley /health/live, …/people, Autodiscover root and user; ${connections} connections, ` +
      `${durationSeconds} s each in ${httpRounds} rounds`,
  )
  const http = (url: string, extra: { host?: string; token?: string } = {}): Measure =>
    withCpu((seconds) => load.http({ url, connections, durationSeconds: seconds, ...extra }))
  const httpResults = await interleaved(
    {
      bare: http(`${bare.url}/bare`),
      live: http(`${parley.url}/health/live`, { host: HOME_POOL }),
      people: http(`${parley.url}${self}/people`, { host: HOME_POOL, token }),
      adRoot: http(`${parley.url}${AD_ROOT_PATH}`, { host: HOME_POOL }),
      adUser: http(`${parley.url}${AD_USER_PATH}`, { host: HOME_POOL, token }),
    },
    httpRounds,
  )

  say('• steps of the authenticated request, in-process')
  const appId = asApplicationId(self.slice(self.lastIndexOf('/') + 1))
  const steps = await measureSteps(parley.server, { token, pool: HOME_POOL, appId }, STEP_SECONDS)

  say(
    `• sign-ins and raw argon2id hashes: concurrency ${SIGN_IN_CONCURRENCY}, ` +
      `${durationSeconds} s each in ${signInRounds} rounds`,
  )
  const signInTask = {
    base: parley.url,
    host: HOME_POOL,
    users: SIGN_IN_USERS,
    concurrency: SIGN_IN_CONCURRENCY,
  }
  const rates = await interleaved(
    {
      hashes: withCpu((seconds) => sampleRate(hashOnce, SIGN_IN_CONCURRENCY, seconds)),
      signIns: async (seconds) => {
        const sample = await withCpu((s) => load.signIns({ ...signInTask, durationSeconds: s }))(seconds)
        await removeApplications(parley.server)
        return sample
      },
    },
    signInRounds,
  )

  return buildReport(run, { ...httpResults, ...rates, steps })
}

async function main(): Promise<void> {
  const cleanups: (() => Promise<void>)[] = []
  const cleanUp = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined)
  }
  const onSignal = () => {
    say('\ninterrupted, stopping servers…')
    void cleanUp().finally(() => process.exit(130))
  }
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)

  try {
    const cpuList = cpus()
    const run: RunInfo = {
      date: new Date().toISOString(),
      node: process.version,
      platform: `${platform()} ${release()}`,
      cpus: cpuList.length,
      cpuModel: cpuList[0]?.model.trim() ?? 'unknown',
      durationSeconds,
      httpRounds,
      signInRounds,
      warmupSeconds,
      connections,
      signInConcurrency: SIGN_IN_CONCURRENCY,
      argon2: OWASP_ARGON2ID,
    }
    let report: Report | undefined
    if (scenarios.has('http')) {
      report = await httpScenarios(run, cleanups)
      // The event-channel scenarios start their own servers, each in its own process.
      await cleanUp()
    }
    let events: EventReport | undefined
    if (scenarios.has('endpoints') || scenarios.has('delivery')) {
      if (profileDir) mkdirSync(profileDir, { recursive: true })
      const results = await runEventScenarios({
        endpoints,
        eventRate,
        latencySeconds: durationSeconds,
        warmupSeconds,
        fanout,
        fanoutSeconds: durationSeconds / 2,
        only: new Set((['endpoints', 'delivery'] as const).filter((n) => scenarios.has(n))),
        profileDir,
        say,
      })
      events = buildEventReport(results, eventRate)
    }
    let im: ImReport | undefined
    if (scenarios.has('im')) {
      if (profileDir) mkdirSync(profileDir, { recursive: true })
      const results = await runImScenario({
        pairs: imPairs,
        rate: imRate,
        concurrency: imConcurrency,
        seconds: durationSeconds,
        rounds: httpRounds,
        warmupSeconds,
        profileDir,
        say,
      })
      im = buildImReport(results)
    }
    let cluster: string | undefined
    if (scenarios.has('cluster')) {
      if ((await postgresAnswers()) && (await redisAnswers())) {
        const results = await runClusterScenario({ pairs: clusterPairs, seconds: durationSeconds, say })
        cluster = formatClusterReport(results, cpus().length)
      } else {
        cluster = 'Cluster: skipped (PostgreSQL on 127.0.0.1:5432 and Redis on 127.0.0.1:6379 needed)\n'
      }
    }
    const resultsDir = join(import.meta.dirname, 'results')
    mkdirSync(resultsDir, { recursive: true })
    const resultsFile = join(resultsDir, 'latest.json')
    writeFileSync(resultsFile, `${JSON.stringify({ ...(report ?? { run }), events, im }, null, 2)}\n`)
    const text = [
      report ? formatReport(report) : formatHeader(run),
      ...(events ? [formatEventReport(events)] : []),
      ...(im ? [formatImReport(im)] : []),
      ...(cluster ? [cluster] : []),
    ].join('\n')
    process.stdout.write(`\n${text}\nResults written to ${resultsFile}\n`)
  } finally {
    await cleanUp()
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
  }
}

await main()
