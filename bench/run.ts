// `npm run bench`: measures Parley against a bare Fastify route in the same run, so the results
// are ratios that hold from one machine to the next. See docs/benchmarks.md.
//
//   BENCH_DURATION     seconds per measured scenario (default 5)
//   BENCH_CONNECTIONS  autocannon connections for the HTTP scenarios (default 10)
import { argon2, randomBytes } from 'node:crypto'
import { mkdirSync, writeFileSync } from 'node:fs'
import { cpus, platform, release } from 'node:os'
import { join } from 'node:path'
import { OWASP_ARGON2ID } from '../src/platform/argon2-password-hasher.ts'
import { createApplication, PASSWORDS, signIn } from '../test/helpers/server.ts'
import { LoadGenerator } from './load-generator.ts'
import { buildReport, formatReport, type RunInfo } from './report.ts'
import { measureRate, type RateSummary } from './stats.ts'
import { type ParleyTarget, startBare, startParley, type Target } from './targets.ts'

const HOME_POOL = 'pool01.example.test'
const SIGN_IN_CONCURRENCY = 4
const USERS = [
  { username: 'alice@example.test', password: PASSWORDS.alice },
  { username: 'bob@example.test', password: PASSWORDS.bob },
]

const durationSeconds = positiveNumber('BENCH_DURATION', 5)
const connections = Math.round(positiveNumber('BENCH_CONNECTIONS', 10))
const warmupSeconds = Math.min(1, durationSeconds / 5)

function positiveNumber(name: string, fallback: number): number {
  const raw = process.env[name]
  if (raw === undefined || raw === '') return fallback
  const value = Number(raw.replace(/s$/, ''))
  if (!Number.isFinite(value) || value <= 0)
    throw new Error(`${name} must be a positive number, got "${raw}"`)
  return value
}

const say = (line: string) => process.stderr.write(`${line}\n`)

/** Raw argon2id at the hasher's parameters: the ceiling for sign-ins on this machine. */
function measureHashes(): Promise<RateSummary> {
  const hash = () =>
    new Promise<void>((resolve, reject) => {
      const options = {
        message: 'bench-password-1',
        nonce: randomBytes(16),
        tagLength: 32,
        ...OWASP_ARGON2ID,
      }
      argon2('argon2id', options, (err) => (err ? reject(err) : resolve()))
    })
  return measureRate(hash, SIGN_IN_CONCURRENCY, durationSeconds)
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
    const load = new LoadGenerator()
    cleanups.push(() => load.close())
    const bare: Target = await startBare()
    cleanups.push(() => bare.stop())
    const parley: ParleyTarget = await startParley()
    cleanups.push(() => parley.stop())

    // One sign-in and one application for the token-check scenario.
    const first = USERS[0]
    if (!first) throw new Error('no bench user')
    const token = await signIn(parley.url, HOME_POOL, first.username, first.password)
    const created = await createApplication(parley.url, HOME_POOL, token, {
      UserAgent: 'parley-bench/1.0',
      EndpointId: 'bench-token-check',
      Culture: 'en-US',
    })
    const self: unknown = created.json?._links?.self?.href
    if (created.status !== 201 || typeof self !== 'string') {
      throw new Error(`create application failed: ${created.status} ${created.text}`)
    }
    const peopleUrl = `${parley.url}${self}/people`

    const http = async (label: string, url: string, extra: { host?: string; token?: string } = {}) => {
      say(`• ${label}: warm-up ${warmupSeconds} s, then ${durationSeconds} s`)
      await load.http({ url, connections, durationSeconds: warmupSeconds, ...extra })
      return load.http({ url, connections, durationSeconds, ...extra })
    }
    const bareResult = await http('bare fastify GET /bare', `${bare.url}/bare`)
    const live = await http('parley GET /health/live', `${parley.url}/health/live`, { host: HOME_POOL })
    const people = await http('parley GET …/people', peopleUrl, { host: HOME_POOL, token })

    say(`• raw argon2id hashes: concurrency ${SIGN_IN_CONCURRENCY}, ${durationSeconds} s`)
    const hashes = await measureHashes()
    say(`• full sign-ins: concurrency ${SIGN_IN_CONCURRENCY}, ${durationSeconds} s`)
    const signIns = await load.signIns({
      base: parley.url,
      host: HOME_POOL,
      users: USERS,
      concurrency: SIGN_IN_CONCURRENCY,
      durationSeconds,
    })

    const cpuList = cpus()
    const run: RunInfo = {
      date: new Date().toISOString(),
      node: process.version,
      platform: `${platform()} ${release()}`,
      cpus: cpuList.length,
      cpuModel: cpuList[0]?.model.trim() ?? 'unknown',
      durationSeconds,
      connections,
      signInConcurrency: SIGN_IN_CONCURRENCY,
      argon2: OWASP_ARGON2ID,
    }
    const report = buildReport(run, { bare: bareResult, live, people, signIns, hashes })
    const resultsDir = join(import.meta.dirname, 'results')
    mkdirSync(resultsDir, { recursive: true })
    const resultsFile = join(resultsDir, 'latest.json')
    writeFileSync(resultsFile, `${JSON.stringify(report, null, 2)}\n`)
    process.stdout.write(`\n${formatReport(report)}\nResults written to ${resultsFile}\n`)
  } finally {
    await cleanUp()
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
  }
}

await main()
