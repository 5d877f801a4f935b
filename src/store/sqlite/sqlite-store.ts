// The embedded default store: one SQLite file in WAL mode. See docs/store.md.
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { Worker } from 'node:worker_threads'
import { Kysely, SqliteDialect } from 'kysely'
import type { Database } from '../kysely/database.ts'
import { KyselyStore, migrateToLatest } from '../kysely/kysely-store.ts'
import { NodeSqliteDatabase } from './node-sqlite-database.ts'

export interface SqliteStoreOptions {
  /** How often the checkpointer copies the WAL into the database. */
  readonly checkpointIntervalMs?: number
  /** WAL size (frames, one per page written) past which the checkpointer restarts the WAL. */
  readonly walRestartFrames?: number
  /** Told the WAL's size in frames after each checkpoint (tests, diagnostics). */
  readonly onCheckpoint?: (frames: number) => void
}

/** Opens (creating if needed) the SQLite file at `path` — or `:memory:` — and migrates it. */
export async function openSqliteStore(path: string, options: SqliteStoreOptions = {}): Promise<KyselyStore> {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true })
  const raw = new DatabaseSync(path)
  // WAL lets readers run while a write commits; NORMAL sync is durable across process crashes
  // (only an OS crash can lose the last commits), the usual choice for WAL.
  // New files use 4 KiB pages: a COMMIT writes each page it touched to the WAL as one frame, and
  // costs mostly per frame; the message path's rows share frames better than in 1 KiB pages (an
  // earlier choice, when a message wrote more rows). An existing file keeps its page size (the
  // pragma does nothing once it is in WAL mode); docs/store.md says how to convert one.
  raw.exec('PRAGMA page_size = 4096')
  raw.exec('PRAGMA journal_mode = WAL')
  raw.exec('PRAGMA synchronous = NORMAL')
  raw.exec('PRAGMA busy_timeout = 5000')
  raw.exec('PRAGMA foreign_keys = ON')
  const checkpointer = path === ':memory:' ? undefined : startCheckpointer(path, options)
  // Checkpoints run on their own thread (checkpoint-worker.ts), not inside commits.
  if (checkpointer) raw.exec('PRAGMA wal_autocheckpoint = 0')
  const database = new NodeSqliteDatabase(raw)
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database }) })
  let stopping: Promise<void> | undefined
  const stopCheckpointer = () => {
    stopping ??= checkpointer ? stopWorker(checkpointer) : Promise.resolve()
    return stopping
  }
  try {
    await migrateToLatest(db)
  } catch (error) {
    await db.destroy()
    await stopCheckpointer()
    throw error
  }
  const store = new KyselyStore(db, stopCheckpointer, {
    dialect: 'sqlite',
    groupCommit: true,
    commitPacingMs: COMMIT_PACING_MS,
    direct: (sql, parameters) => database.execute(sql, parameters),
  })
  if (checkpointer) answerCheckpointer(checkpointer, store, options.onCheckpoint)
  return store
}

const CHECKPOINT_INTERVAL_MS = 1_000
// 256 MiB of 4 KiB pages: ≈ 9 s of the IM bench at 1,000 messages/s. Restarting costs the
// writes a pause of one small checkpoint and its fsync (2–16 ms measured), which at a high
// steady rate lands in the latency tail: so not often. The file is not cut back afterwards
// (journal_size_limit would truncate it inside a commit, on the event loop): it keeps the
// largest size it reached, ≈ 300 MB under the heaviest load.
const WAL_RESTART_FRAMES = 65_536
/** Writes resume after this even if the checkpointer never says it is done. */
const HOLD_LIMIT_MS = 250
// At most one COMMIT per 2 ms (group-commit.ts): at 1,000 IMs/s (3,000 transactions/s) each
// COMMIT carries several, which cut CPU per message by ~15% and IM p99 latency from 20–58 ms to
// 15–26 ms in the benchmark (docs/benchmarks.md), for ~2 ms more at the median.
const COMMIT_PACING_MS = 2

function startCheckpointer(path: string, options: SqliteStoreOptions): Worker {
  const worker = new Worker(new URL('./checkpoint-worker.ts', import.meta.url), {
    workerData: {
      path,
      intervalMs: options.checkpointIntervalMs ?? CHECKPOINT_INTERVAL_MS,
      restartFrames: options.walRestartFrames ?? WAL_RESTART_FRAMES,
    },
  })
  worker.unref()
  return worker
}

type CheckpointerMessage =
  | { kind: 'checkpointed'; frames: number }
  | { kind: 'hold' }
  | { kind: 'restartable' }
  | { kind: 'stopped' }

// The checkpointer's side of a WAL restart (checkpoint-worker.ts): hold the writes, say so, let
// go when it has copied the rest (or after HOLD_LIMIT_MS, whatever happened to it).
function answerCheckpointer(
  worker: Worker,
  store: KyselyStore,
  onCheckpoint?: (frames: number) => void,
): void {
  let release: (() => void) | undefined
  worker.on('message', (message: CheckpointerMessage) => {
    if (message.kind === 'checkpointed') onCheckpoint?.(message.frames)
    if (message.kind === 'hold') {
      void store.holdWrites().then((letGo) => {
        const limit = setTimeout(letGo, HOLD_LIMIT_MS).unref()
        release = () => {
          clearTimeout(limit)
          letGo()
        }
        worker.postMessage('held')
      })
    }
    if (message.kind === 'restartable') {
      release?.()
      release = undefined
    }
  })
}

function stopWorker(worker: Worker): Promise<void> {
  return new Promise((resolve) => {
    const done = () => resolve()
    worker.once('exit', done)
    worker.on('message', (message: CheckpointerMessage) => {
      if (message.kind === 'stopped') worker.terminate().then(done, done)
    })
    worker.postMessage('stop')
    setTimeout(() => worker.terminate().then(done, done), 2_000).unref()
  })
}
