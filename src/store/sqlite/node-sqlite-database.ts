// node:sqlite seen through the small structural interface Kysely's SQLite dialect expects
// (the better-sqlite3 subset). Kysely never imports node:sqlite; this file is the only bridge.
import type { DatabaseSync, SQLInputValue, StatementSync } from 'node:sqlite'
import type { QueryResult, SqliteDatabase, SqliteStatement } from 'kysely'

const STATEMENT_CACHE_SIZE = 200

export class NodeSqliteDatabase implements SqliteDatabase {
  readonly #db: DatabaseSync
  // Preparing is the expensive part of a query; Kysely emits the same SQL text again and again.
  readonly #statements = new Map<string, SqliteStatement>()

  constructor(db: DatabaseSync) {
    this.#db = db
  }

  prepare(sql: string): SqliteStatement {
    const cached = this.#statements.get(sql)
    if (cached) return cached
    const statement = wrap(this.#db.prepare(sql))
    this.#statements.set(sql, statement)
    if (this.#statements.size > STATEMENT_CACHE_SIZE) {
      const oldest = this.#statements.keys().next().value
      if (oldest !== undefined) this.#statements.delete(oldest)
    }
    return statement
  }

  /**
   * Runs one statement at once, answering as Kysely's SQLite driver does. Only for a caller that
   * holds the connection already (group-commit.ts): it skips Kysely's connection queue.
   */
  execute(sql: string, parameters: ReadonlyArray<unknown>): QueryResult<unknown> {
    const statement = this.prepare(sql)
    if (statement.reader) return { rows: statement.all(parameters) as unknown[] }
    const { changes, lastInsertRowid } = statement.run(parameters)
    return {
      insertId: lastInsertRowid == null ? undefined : BigInt(lastInsertRowid),
      numAffectedRows: changes == null ? undefined : BigInt(changes),
      rows: [],
    }
  }

  close(): void {
    this.#statements.clear()
    if (this.#db.isOpen) this.#db.close()
  }
}

function wrap(statement: StatementSync): SqliteStatement {
  return {
    reader: statement.columns().length > 0,
    all: (parameters) => statement.all(...bind(parameters)),
    run: (parameters) => statement.run(...bind(parameters)),
    iterate: (parameters) => statement.iterate(...bind(parameters)),
  }
}

// node:sqlite binds numbers, bigints, strings, buffers and null; SQLite has no boolean type.
function bind(parameters: ReadonlyArray<unknown>): SQLInputValue[] {
  return parameters.map((p) => {
    if (typeof p === 'boolean') return p ? 1 : 0
    if (p === undefined) return null
    return p as SQLInputValue
  })
}
