// Group commit for a single-connection store (SQLite): the transactions asked for during one turn
// of the event loop run one after another inside one database transaction, each in a savepoint
// of its own, and share one COMMIT. A COMMIT writes every page the transaction touched to the
// WAL; under load, consecutive transactions touch the same pages (the events table, the
// applications), so sharing it saves most of that work. See docs/store.md.
//
// Each transaction keeps its own outcome: one that throws is rolled back to its savepoint and
// rejects alone; the others still commit. Every caller's promise settles only after the COMMIT,
// so nothing is answered or published before it is durable. A failed COMMIT rejects them all.
import { CompiledQuery, type Kysely } from 'kysely'
import type { Database } from './database.ts'
import { type DirectExecutor, executeCompiled, runDirectly } from './prepared.ts'

interface Pending<R> {
  readonly work: (trx: Kysely<Database>) => Promise<R>
  resolve(value: R): void
  reject(error: unknown): void
}

/** Most transactions sharing one COMMIT: bounds how long the first of them waits for it. */
const MAX_GROUP = 64
/**
 * Longest run of back-to-back groups before the event loop gets a turn. Transactions asked for
 * from a commit's continuation join the queue before the next group starts, so a caller that
 * always asks again would otherwise keep timers and I/O waiting for as long as it goes on.
 */
const MAX_DRAIN_MS = 10

export class GroupCommit {
  readonly #db: Kysely<Database>
  #queue: Pending<unknown>[] = []
  #scheduled = false
  #running: Promise<void> | undefined

  readonly #pacingMs: number
  #lastCommit = Number.NEGATIVE_INFINITY
  readonly #direct: DirectExecutor | undefined
  readonly #onRollback: () => void
  #held = false

  /**
   * `pacingMs`: the least time between two COMMITs. Transactions asked for sooner wait for the
   * rest of it and commit together: at a steady rate each COMMIT then carries several (the WAL
   * grows by their shared pages once), at the cost of at most that much latency.
   * `direct`: runs a statement on the connection at once; given, the group's own statements and
   * the transactions' prepared ones (prepared.ts) skip Kysely's executor while the group holds
   * the connection.
   * `onRollback`: called whenever a transaction or a whole group is rolled back (what was read
   * in memory during it may never have committed).
   */
  constructor(
    db: Kysely<Database>,
    pacingMs = 0,
    direct?: DirectExecutor,
    onRollback: () => void = () => undefined,
  ) {
    this.#db = db
    this.#pacingMs = pacingMs
    this.#direct = direct
    this.#onRollback = onRollback
  }

  run<R>(work: (trx: Kysely<Database>) => Promise<R>): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.#queue.push({ work, resolve, reject } as Pending<unknown>)
      this.#schedule()
    })
  }

  /**
   * Starts no new group until the returned `release` is called; resolves once the running group
   * (if any) has committed. Transactions asked for meanwhile wait in the queue. For SQLite's WAL
   * restart (sqlite-store.ts): the checkpointer needs a moment with no writer.
   */
  async hold(): Promise<() => void> {
    this.#held = true
    await this.#running
    let released = false
    return () => {
      if (released) return
      released = true
      this.#held = false
      if (this.#queue.length > 0) this.#schedule()
    }
  }

  /** Settles once nothing is queued or running (before the connection closes). */
  async idle(): Promise<void> {
    while (this.#running || this.#queue.length > 0) {
      await (this.#running ?? new Promise((resolve) => setImmediate(resolve)))
    }
  }

  // After the I/O callbacks of this turn (setImmediate), so the transactions they ask for group;
  // later when the last COMMIT was less than `pacingMs` ago.
  #schedule(): void {
    if (this.#scheduled || this.#running || this.#held) return
    this.#scheduled = true
    const start = () => {
      this.#scheduled = false
      this.#running = this.#drain().finally(() => {
        this.#running = undefined
        if (this.#queue.length > 0) this.#schedule()
      })
    }
    const wait = this.#lastCommit + this.#pacingMs - performance.now()
    if (wait >= 0.5) setTimeout(start, wait)
    else setImmediate(start)
  }

  // Groups back to back while transactions wait, for at most MAX_DRAIN_MS; what is still queued
  // then is scheduled again (#schedule), after the event loop's turn.
  async #drain(): Promise<void> {
    const direct = this.#direct
    const until = performance.now() + MAX_DRAIN_MS
    while (this.#queue.length > 0 && !this.#held && performance.now() < until) {
      await this.#db
        .connection()
        .execute((conn) => (direct ? runDirectly(conn, direct, () => this.#group(conn)) : this.#group(conn)))
    }
  }

  // One database transaction: BEGIN, each queued transaction in the savepoint `tx`, COMMIT.
  async #group(conn: Kysely<Database>): Promise<void> {
    const group: { pending: Pending<unknown>; value: unknown }[] = []
    const execute = (query: CompiledQuery) => executeCompiled(conn, query)
    try {
      await execute(BEGIN)
    } catch (error) {
      for (const pending of this.#queue.splice(0)) pending.reject(error)
      return
    }
    try {
      // Transactions asked for while this group runs join it (up to MAX_GROUP).
      while (this.#queue.length > 0 && group.length < MAX_GROUP) {
        const pending = this.#queue.shift() as Pending<unknown>
        await execute(SAVEPOINT)
        let value: unknown
        try {
          value = await pending.work(conn)
        } catch (error) {
          await execute(ROLLBACK_TO)
          await execute(RELEASE)
          this.#onRollback()
          pending.reject(error)
          continue
        }
        await execute(RELEASE)
        group.push({ pending, value })
      }
      await execute(COMMIT)
      this.#lastCommit = performance.now()
    } catch (error) {
      // The connection failed under the group (a savepoint or the COMMIT): nothing of it stays.
      await execute(ROLLBACK).catch(() => undefined)
      this.#onRollback()
      for (const { pending } of group) pending.reject(error)
      return
    }
    for (const { pending, value } of group) pending.resolve(value)
  }
}

// Compiled once: the statements every group runs.
const BEGIN = CompiledQuery.raw('begin')
const SAVEPOINT = CompiledQuery.raw('savepoint tx')
const RELEASE = CompiledQuery.raw('release tx')
const ROLLBACK_TO = CompiledQuery.raw('rollback to tx')
const COMMIT = CompiledQuery.raw('commit')
const ROLLBACK = CompiledQuery.raw('rollback')
