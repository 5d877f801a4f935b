// Tells "PostgreSQL cannot be reached right now" apart from every other failure, so that requests
// fail fast with 503 + Retry-After (StoreUnavailableError) while the database restarts, instead of
// a 500. The dialect wrapper below is the only place that looks at pg's errors.
import type { DatabaseConnection, Dialect, Driver } from 'kysely'
import { StoreUnavailableError } from '../../domain/ports.ts'

// Node socket errors and pg's own messages for a connection that is gone or never came.
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN'])
const PG_MESSAGES = [
  'Connection terminated',
  'timeout exceeded when trying to connect',
  'Client has encountered a connection error',
  'Connection closed',
]
// SQLSTATE: class 08 (connection exception), shutdowns/startup (57P01-57P03), too many connections.
const PG_STATES = /^(08...|57P0[123]|53300)$/

export function isUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false
  const code = (error as { code?: unknown }).code
  if (typeof code === 'string' && (SOCKET_CODES.has(code) || PG_STATES.test(code))) return true
  if (PG_MESSAGES.some((m) => error.message.includes(m))) return true
  return error instanceof AggregateError && error.errors.some(isUnavailable)
}

function translate(error: unknown): never {
  if (isUnavailable(error)) throw new StoreUnavailableError('the database is unreachable', { cause: error })
  throw error
}

/** `dialect` with connection failures turned into StoreUnavailableError. */
export function withUnavailableErrors(dialect: Dialect): Dialect {
  return {
    createAdapter: () => dialect.createAdapter(),
    createQueryCompiler: () => dialect.createQueryCompiler(),
    createIntrospector: (db) => dialect.createIntrospector(db),
    createDriver: () => wrapDriver(dialect.createDriver()),
  }
}

function wrapDriver(driver: Driver): Driver {
  // Kysely hands the wrapped connection back to the driver (begin, commit, release), so the
  // wrapper forwards every other property — the driver's private release hook included.
  const wrapped = new WeakMap<DatabaseConnection, DatabaseConnection>()
  const unwrap = new WeakMap<DatabaseConnection, DatabaseConnection>()
  const wrap = (connection: DatabaseConnection): DatabaseConnection => {
    let proxy = wrapped.get(connection)
    if (!proxy) {
      proxy = new Proxy(connection, {
        get(target, prop) {
          const value = Reflect.get(target, prop, target)
          if (prop !== 'executeQuery' || typeof value !== 'function') return value
          return (...args: unknown[]) =>
            (value as (...a: unknown[]) => Promise<unknown>).apply(target, args).catch(translate)
        },
      })
      wrapped.set(connection, proxy)
      unwrap.set(proxy, connection)
    }
    return proxy
  }
  const inner = (c: DatabaseConnection) => unwrap.get(c) ?? c
  return {
    init: (options) => driver.init(options).catch(translate),
    acquireConnection: async (options) => wrap(await driver.acquireConnection(options).catch(translate)),
    beginTransaction: (c, settings) => driver.beginTransaction(inner(c), settings).catch(translate),
    commitTransaction: (c) => driver.commitTransaction(inner(c)).catch(translate),
    rollbackTransaction: (c) => driver.rollbackTransaction(inner(c)).catch(translate),
    releaseConnection: (c, options) => driver.releaseConnection(inner(c), options),
    destroy: (options) => driver.destroy(options),
  }
}
