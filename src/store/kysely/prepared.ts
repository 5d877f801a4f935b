// Hot queries compiled once. Building and compiling a Kysely query costs more than running it on
// SQLite (bench: ~18% of the event path's CPU), so the repositories on the event and presence
// paths compile each shape once, with sentinel parameters, and afterwards only swap in values.
import { type Compilable, type CompiledQuery, type Kysely, type QueryResult, SqliteAdapter } from 'kysely'
import type { Database } from './database.ts'

const SENTINEL = '\u0000parley-parameter-'

interface Compiled<R> {
  readonly query: CompiledQuery<R>
  /** For each bound value: the index of the parameter it stands for, or -1 for a constant. */
  readonly slots: readonly number[]
}

/** Runs a compiled statement at once on a connection its caller holds (see `runDirectly`). */
export type DirectExecutor = (sql: string, parameters: ReadonlyArray<unknown>) => QueryResult<unknown>

const direct = new WeakMap<Kysely<Database>, DirectExecutor>()

/**
 * While `work` runs, prepared statements on `db` skip Kysely's executor and connection queue
 * (~2 us of promise plumbing each) and run on `executor`. Only for a `db` bound to a connection
 * the caller holds for the whole time, where nothing else can run in between: a group commit's
 * transaction on SQLite's single connection (group-commit.ts).
 */
export async function runDirectly<T>(
  db: Kysely<Database>,
  executor: DirectExecutor,
  work: () => Promise<T>,
): Promise<T> {
  direct.set(db, executor)
  try {
    return await work()
  } finally {
    direct.delete(db)
  }
}

/**
 * Runs a compiled query on `db` (with `parameters` in place of its own, when given): directly
 * while `runDirectly` holds it, else through Kysely.
 */
export function executeCompiled<R>(
  db: Kysely<Database>,
  query: CompiledQuery<R>,
  parameters: readonly unknown[] = query.parameters,
): Promise<QueryResult<R>> {
  const executor = direct.get(db)
  if (!executor) return db.executeQuery<R>(parameters === query.parameters ? query : { ...query, parameters })
  try {
    return Promise.resolve(executor(query.sql, parameters) as QueryResult<R>)
  } catch (error) {
    return Promise.reject(error)
  }
}

export interface Prepared<P extends readonly unknown[], R> {
  run(db: Kysely<Database>, ...params: P): Promise<QueryResult<R>>
}

/**
 * Compiles `build` once (lazily, on first use). `build` receives placeholder values standing
 * for the parameters; each must be used as a bound value (not as an identifier or in raw SQL).
 * Other bound values in the query (`where('available', '=', 1)`) stay as they were compiled.
 */
export function prepare<P extends readonly unknown[], R>(
  build: (db: Kysely<Database>, ...params: { [K in keyof P]: never }) => Compilable<R>,
): Prepared<P, R> {
  // Each bound value of the compiled SQL is either parameter i (a number) or a constant of the query.
  // One compilation per dialect (keyed by its adapter class): SQLite and PostgreSQL spell
  // placeholders differently, and one process (the store contract tests) may use both.
  const byDialect = new Map<unknown, Compiled<R>>()
  return {
    run(db, ...params) {
      const dialect = db.getExecutor().adapter.constructor
      let compiled = byDialect.get(dialect)
      if (!compiled) {
        const placeholders = params.map((_, i) => `${SENTINEL}${i}`) as never
        const query = build(db, ...(placeholders as { [K in keyof P]: never })).compile()
        const slots = query.parameters.map((value) =>
          typeof value === 'string' && value.startsWith(SENTINEL) ? Number(value.slice(SENTINEL.length)) : -1,
        )
        compiled = { query, slots }
        byDialect.set(dialect, compiled)
      }
      const { query, slots } = compiled
      const parameters = new Array<unknown>(slots.length)
      for (let i = 0; i < slots.length; i++) {
        const slot = slots[i] as number
        parameters[i] = slot < 0 ? query.parameters[i] : params[slot]
      }
      return executeCompiled(db, query, parameters)
    },
  }
}

/**
 * Whether an INSERT's new row number can be read from the result's last rowid (SQLite, one
 * connection: one INSERT's rows take consecutive rowids). Elsewhere it takes RETURNING, which on
 * SQLite costs a result row per insert.
 */
export function rowidIsSeq(db: Kysely<Database>): boolean {
  return db.getExecutor().adapter instanceof SqliteAdapter
}
