// `npm test`: the whole suite on SQLite with the in-process bus, then the HTTP and store suites
// again on PostgreSQL + Redis (each test server on a fresh database) when both answer at their
// default local URLs or PARLEY_TEST_POSTGRES_URL / PARLEY_TEST_REDIS_URL. Without them the second
// pass is skipped with a line saying how to enable it — unless PARLEY_REQUIRE_SERVICES=1 (.ci/run),
// which turns the skip into a failure. Extra arguments replace the default file globs.
import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import {
  databasePrefix,
  dropDatabases,
  ENABLE_HINT,
  postgresAnswers,
  redisAnswers,
  SERVICES_REQUIRED,
} from './helpers/services.ts'

// A test gets 120 s: a P-GET held LONG_HOLD (180 s, test/helpers/pget.ts) outlasts it, so a test
// that gets an answer to one knows what it did released it. Keep the two in that order.
const NODE_TEST = ['--test', '--test-concurrency=2', '--test-timeout=120000']
const ALL = ['test/**/*.test.ts']
const CLUSTER_PASS = ['test/http/**/*.test.ts', 'test/cluster/**/*.test.ts']

function pass(label: string, files: string[], env: NodeJS.ProcessEnv): boolean {
  process.stdout.write(`\n# ${label}\n`)
  const started = Date.now()
  const run = spawnSync(process.execPath, [...NODE_TEST, ...files], { stdio: 'inherit', env })
  process.stdout.write(
    `# ${label}: ${run.status === 0 ? 'passed' : 'FAILED'} in ${((Date.now() - started) / 1000).toFixed(0)} s\n`,
  )
  return run.status === 0
}

async function main(): Promise<number> {
  const files = process.argv.slice(2)
  const run = `r${randomBytes(4).toString('hex')}`
  const env = { ...process.env, PARLEY_TEST_RUN: run }
  let ok = pass('SQLite + in-process bus', files.length > 0 ? files : ALL, env)

  const [postgres, redis] = await Promise.all([postgresAnswers(), redisAnswers()])
  if (!postgres || !redis) {
    const missing = [!postgres && 'PostgreSQL', !redis && 'Redis'].filter(Boolean).join(' and ')
    const line = SERVICES_REQUIRED
      ? `# PostgreSQL + Redis pass FAILED: ${missing} not reachable, and PARLEY_REQUIRE_SERVICES=1 requires them`
      : `# PostgreSQL + Redis pass skipped: ${missing} not reachable; ${ENABLE_HINT}`
    process.stdout.write(`\n${line}\n`)
    return ok && !SERVICES_REQUIRED ? 0 : 1
  }
  try {
    ok =
      pass('PostgreSQL + Redis', files.length > 0 ? files : CLUSTER_PASS, {
        ...env,
        PARLEY_TEST_CLUSTER: '1',
      }) && ok
  } finally {
    // Whatever a crashed test left (databases of this run only: their names carry its id).
    const left = await dropDatabases(databasePrefix(run)).catch(() => 0)
    if (left > 0) process.stdout.write(`# dropped ${left} leftover ${databasePrefix(run)}* databases\n`)
  }
  return ok ? 0 : 1
}

process.exitCode = await main()
