// Runs SQLite's WAL checkpoints on a thread of their own. With automatic checkpoints, every
// ~1,000 pages one commit on the event loop also copies the WAL into the database and syncs it
// (the bench measured 6–35 ms stalls: the latency tail of every request behind it). Here a second
// connection checkpoints (PASSIVE: never blocks the writer) every interval instead.
//
// A PASSIVE checkpoint copies the frames that existed when it began; the WAL starts over from
// its beginning only when a write begins with every frame copied. Under steady writes that moment
// never comes (frames keep arriving while the copy runs) and the WAL grows without bound (the IM
// bench: 500 MB in 15 s). So once it holds `restartFrames` frames, the worker catches up once
// more, asks the main thread to hold its writes (`hold`), copies the few frames written since,
// and lets go (`restartable`): the next write restarts the WAL. Messages to the parent:
// `checkpointed` after each round (the WAL's size in frames), `hold`, `restartable`, `stopped`.
import { DatabaseSync } from 'node:sqlite'
import { parentPort, workerData } from 'node:worker_threads'

const { path, intervalMs, restartFrames } = workerData as {
  path: string
  intervalMs: number
  restartFrames: number
}
const db = new DatabaseSync(path)
db.exec('PRAGMA busy_timeout = 1000')
const statement = db.prepare('PRAGMA wal_checkpoint(PASSIVE)')

/** The WAL's size in frames after a PASSIVE checkpoint; undefined when it could not run. */
const checkpoint = (): number | undefined => {
  try {
    const row = statement.get() as { log: number } | undefined
    return row ? Number(row.log) : undefined
  } catch {
    // Busy or closing: the next interval tries again; the WAL only grows meanwhile.
    return undefined
  }
}

let holding = false
const round = () => {
  if (holding) return
  const frames = checkpoint()
  if (frames === undefined) return
  parentPort?.postMessage({ kind: 'checkpointed', frames })
  if (frames >= restartFrames) {
    // Catch up first, writes going on, so that the held copy is of a few milliseconds' frames.
    checkpoint()
    holding = true
    parentPort?.postMessage({ kind: 'hold' })
  }
}
const timer = setInterval(round, intervalMs)

parentPort?.on('message', (message) => {
  if (message === 'held') {
    // No writer now: this copies what was written since the round, and the WAL can restart.
    checkpoint()
    holding = false
    parentPort?.postMessage({ kind: 'restartable' })
    return
  }
  if (message !== 'stop') return
  clearInterval(timer)
  checkpoint()
  db.close()
  parentPort?.postMessage({ kind: 'stopped' })
  parentPort?.close()
})
