// Runs SQLite's WAL checkpoints on a thread of their own. With automatic checkpoints, every
// ~1,000 pages one commit on the event loop also copies the WAL into the database and syncs it
// (the bench measured 6–35 ms stalls: the latency tail of every request behind it). Here a second
// connection checkpoints (PASSIVE: never blocks the writer) every interval instead.
import { DatabaseSync } from 'node:sqlite'
import { parentPort, workerData } from 'node:worker_threads'

const { path, intervalMs } = workerData as { path: string; intervalMs: number }
const db = new DatabaseSync(path)
db.exec('PRAGMA busy_timeout = 1000')

const checkpoint = () => {
  try {
    db.exec('PRAGMA wal_checkpoint(PASSIVE)')
  } catch {
    // Busy or closing: the next interval tries again; the WAL only grows meanwhile.
  }
}
const timer = setInterval(checkpoint, intervalMs)

parentPort?.on('message', (message) => {
  if (message !== 'stop') return
  clearInterval(timer)
  checkpoint()
  db.close()
  parentPort?.postMessage('stopped')
  parentPort?.close()
})
