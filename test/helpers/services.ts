// The external services of the cluster variant: PostgreSQL and Redis at their default local URLs
// (or PARLEY_TEST_POSTGRES_URL / PARLEY_TEST_REDIS_URL). Each test server gets a database of its
// own, created on start and dropped on stop, so tests never see each other's rows.
import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { Socket } from 'node:net'
import pg from 'pg'

/** The admin connection: a database that always exists, used to create and drop test ones. */
export const POSTGRES_URL =
  process.env.PARLEY_TEST_POSTGRES_URL || 'postgres://postgres@127.0.0.1:5432/postgres'
export const REDIS_URL = process.env.PARLEY_TEST_REDIS_URL || 'redis://127.0.0.1:6379'
/** Set by test/run.ts for the second pass: every test server uses PostgreSQL + Redis. */
export const CLUSTER = process.env.PARLEY_TEST_CLUSTER === '1'
/** Set by .ci/run: a missing service fails instead of skipping. */
export const SERVICES_REQUIRED = process.env.PARLEY_REQUIRE_SERVICES === '1'
// Databases of one run share a prefix, so the runner can drop whatever a crashed test left.
export const databasePrefix = (run: string) => `parley_t_${run}_`
const DATABASE_PREFIX = databasePrefix(process.env.PARLEY_TEST_RUN || `p${process.pid}`)

export const ENABLE_HINT =
  'start PostgreSQL on 127.0.0.1:5432 and Redis on 127.0.0.1:6379 (or set PARLEY_TEST_POSTGRES_URL / PARLEY_TEST_REDIS_URL) to run them'

/** The URL of database `name` on the test server. */
export function databaseUrl(name: string): string {
  const url = new URL(POSTGRES_URL)
  url.pathname = `/${name}`
  return url.toString()
}

async function admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 2_000 })
  await client.connect()
  try {
    return await work(client)
  } finally {
    await client.end()
  }
}

/**
 * The database of one test server, named after its data directory: a server restarted on the
 * same directory finds the same database (created when missing).
 */
export async function createDatabase(key: string = randomBytes(8).toString('hex')): Promise<string> {
  const suffix = createHash('sha256').update(key).digest('hex').slice(0, 16)
  const name = `${DATABASE_PREFIX}${suffix}`
  await admin(async (c) => {
    const exists = await c.query('select 1 from pg_database where datname = $1', [name])
    if (exists.rowCount === 0) await c.query(`create database "${name}"`)
  })
  return name
}

export async function dropDatabase(name: string): Promise<void> {
  await admin((c) => c.query(`drop database if exists "${name}" with (force)`))
}

/** Drops every database named with `prefix` (what crashed or restarted tests left behind). */
export async function dropDatabases(prefix: string): Promise<number> {
  return admin(async (c) => {
    const { rows } = await c.query<{ datname: string }>(
      'select datname from pg_database where starts_with(datname, $1)',
      [prefix],
    )
    for (const { datname } of rows) await c.query(`drop database if exists "${datname}" with (force)`)
    return rows.length
  })
}

export async function postgresAnswers(): Promise<boolean> {
  try {
    await admin((c) => c.query('select 1'))
    return true
  } catch {
    return false
  }
}

/**
 * True when Redis answers PING at REDIS_URL. A closed port fails at once; the idle limit only
 * gives up on something that accepts the connection and never answers, and is generous so that
 * a loaded machine is not taken for a missing Redis (which would skip the whole second pass).
 */
export function redisAnswers(url = REDIS_URL): Promise<boolean> {
  const { hostname, port } = new URL(url)
  return new Promise((resolve) => {
    const socket = new Socket()
    const done = (ok: boolean) => {
      socket.destroy()
      resolve(ok)
    }
    socket.setTimeout(10_000, () => done(false))
    socket.once('error', () => done(false))
    socket.connect(Number(port || 6379), hostname.replace(/^\[|\]$/g, ''), () => socket.write('PING\r\n'))
    socket.once('data', (data) => done(data.toString().startsWith('+PONG')))
  })
}

export type Service = 'postgres' | 'redis'
const SERVICES: Record<Service, { name: string; answers: () => Promise<boolean> }> = {
  postgres: { name: 'PostgreSQL', answers: postgresAnswers },
  redis: { name: 'Redis', answers: () => redisAnswers() },
}

/** Whether a test file's services answer, as its `describe` and `before` want it. */
export interface ServicesCheck {
  /** The services that do not answer, as a reason names them ('PostgreSQL and Redis'); '' if none. */
  readonly missing: string
  /** The describe's `skip`: the reason when one is missing; false when all answer or under PARLEY_REQUIRE_SERVICES=1. */
  readonly skip: string | false
  /** For `before`: fails when one is missing (reached only under PARLEY_REQUIRE_SERVICES=1). */
  assertReachable(): void
}

/**
 * Asks each of `services` once. A missing one skips the file's describe with a reason and the hint
 * to enable it, unless PARLEY_REQUIRE_SERVICES=1 (.ci/run): then the describe runs and its `before`
 * fails through `assertReachable`.
 */
export async function servicesSkip(services: readonly Service[]): Promise<ServicesCheck> {
  const answers = await Promise.all(services.map((s) => SERVICES[s].answers()))
  const missing = services
    .filter((_, i) => !answers[i])
    .map((s) => SERVICES[s].name)
    .join(' and ')
  return {
    missing,
    skip: missing !== '' && !SERVICES_REQUIRED && `${missing} not reachable; ${ENABLE_HINT}`,
    assertReachable() {
      assert.ok(missing === '', `${missing} not reachable (PARLEY_REQUIRE_SERVICES=1)`)
    },
  }
}
