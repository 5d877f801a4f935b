// One node of a cluster runs the periodic jobs (presence ticks, subscription warnings and
// expiry, invitation timeouts, purges): run by every node they would repeat their events, and
// some remember what they did in memory. The leader holds a session-level advisory lock on a
// connection of its own; when it dies, PostgreSQL ends the session, frees the lock, and the next
// node to try takes over. See docs/cluster.md.
import pg from 'pg'
import type { Logger } from 'pino'

const LEADER_LOCK_KEY = 0x7061726d // "parm"
const CONNECT_TIMEOUT_MS = 3_000

export interface Leadership {
  /** True when this node should run the periodic jobs now (tries to become leader if no one is). */
  held(): Promise<boolean>
  close(): Promise<void>
}

/** A single node is always the leader. */
export const SOLE_NODE: Leadership = { held: async () => true, close: async () => undefined }

export function leaderLease(url: string, logger?: Logger): Leadership {
  let client: pg.Client | undefined
  let leader = false
  let closed = false
  const drop = () => {
    if (leader) logger?.warn('lost the periodic-jobs lease; another node takes over')
    leader = false
    const old = client
    client = undefined
    old?.end().catch(() => undefined)
  }
  return {
    async held() {
      if (closed) return false
      if (leader && client) return true
      try {
        if (!client) {
          const fresh = new pg.Client({
            connectionString: url,
            connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
            application_name: 'parley-leader',
          })
          // The session is the lease: when it breaks, the lock is gone with it.
          fresh.on('error', drop)
          fresh.on('end', () => {
            if (client === fresh) drop()
          })
          client = fresh
          await fresh.connect()
        }
        const { rows } = await client.query<{ ok: boolean }>('select pg_try_advisory_lock($1) as ok', [
          LEADER_LOCK_KEY,
        ])
        leader = rows[0]?.ok === true
        if (leader) logger?.info('this node runs the periodic jobs')
        return leader
      } catch {
        drop()
        return false
      }
    },
    async close() {
      closed = true
      leader = false
      await client?.end().catch(() => undefined)
      client = undefined
    },
  }
}
