// Child process: one server under test for the event-channel scenarios, alone in its process so
// its memory is measured in isolation and its sockets have the whole fd budget.
//
//   node --expose-gc bench/event-server.ts parley P U   Parley (start(config)) with U eventUsers
//   node --expose-gc bench/event-server.ts bare P       a bare node:http server that parks every
//                                                      request and never answers until released
//
// P: listening ports, all in this one process. Linux's connect() searches for a free local port
// per destination address:port, even ports first, and slows down sharply once connections to one
// destination approach half the ephemeral range, so the load generator spreads over a few ports.
//
// Commands (bench/ipc.ts): memory, parked, cpu, profileStart/profileStop and snapshot
// (BENCH_PROFILE_DIR), stop.
import { openSync, readdirSync, readSync, writeFileSync } from 'node:fs'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { Session } from 'node:inspector/promises'
import type { AddressInfo } from 'node:net'
import { getHeapStatistics, writeHeapSnapshot } from 'node:v8'
import { type Handlers, serveParent } from './ipc.ts'
import { eventUsers, startParley } from './targets.ts'

/** Memory after a full garbage collection, in bytes. */
export interface MemorySample {
  readonly rss: number
  /** V8 heap in use and reserved. */
  readonly heapUsed: number
  readonly heapTotal: number
  /** Memory of JS objects' native parts that V8 knows of (buffers and the like). */
  readonly external: number
  /** Open file descriptors of the server process (null when none was left to count them). */
  readonly fds: number | null
}

export interface ServerReady {
  /** One base URL per listening port, `http://127.0.0.1:PORT`; the first is the main one. */
  readonly urls: readonly string[]
}

// Opened now, while descriptors are free: with every fd taken by parked sockets,
// process.memoryUsage() could no longer open /proc/self/statm and would throw EMFILE.
const statm = openSync('/proc/self/statm', 'r')
const statmBuffer = Buffer.alloc(256)

function residentPages(): number {
  const length = readSync(statm, statmBuffer, 0, statmBuffer.length, 0)
  return Number(statmBuffer.toString('latin1', 0, length).split(' ')[1])
}

// statm counts pages: find their size by comparing with process.memoryUsage() once.
const pageSize = [4096, 16_384, 65_536].reduce((best, size) =>
  Math.abs(process.memoryUsage().rss / residentPages() - size) <
  Math.abs(process.memoryUsage().rss / residentPages() - best)
    ? size
    : best,
)

const rss = () => residentPages() * pageSize

function openFds(): number | null {
  try {
    return readdirSync('/proc/self/fd').length
  } catch {
    return null
  }
}

function memory(): MemorySample {
  const gc = globalThis.gc
  if (!gc) throw new Error('run the server child with --expose-gc')
  // Twice: the first collection can leave finalizers whose memory the second frees.
  gc()
  gc()
  const heap = getHeapStatistics()
  return {
    rss: rss(),
    heapUsed: heap.used_heap_size,
    heapTotal: heap.total_heap_size,
    external: heap.external_memory,
    fds: openFds(),
  }
}

/** CPU profiling of a measured window, and heap snapshots (BENCH_PROFILE_DIR). */
let session: Session | undefined
const profiling: Handlers = {
  profileStart: async () => {
    session ??= new Session()
    session.connect()
    await session.post('Profiler.enable')
    await session.post('Profiler.setSamplingInterval', { interval: 200 })
    await session.post('Profiler.start')
  },
  profileStop: async ({ file }: { file: string }) => {
    if (!session) throw new Error('no profile running')
    const { profile } = await session.post('Profiler.stop')
    session.disconnect()
    writeFileSync(file, JSON.stringify(profile))
    return file
  },
  snapshot: ({ file }: { file: string }) => {
    globalThis.gc?.()
    return writeHeapSnapshot(file)
  },
}

const cpu = () => {
  const used = process.cpuUsage()
  return (used.user + used.system) / 1000
}

async function bare(ports: number): Promise<void> {
  const parked = new Set<ServerResponse>()
  const onRequest = (_req: IncomingMessage, res: ServerResponse) => {
    parked.add(res)
    res.on('close', () => parked.delete(res))
  }
  // No timeouts: a parked request waits until the bench releases it, as a P-GET would.
  const servers = Array.from({ length: ports }, () =>
    createServer({ requestTimeout: 0, keepAliveTimeout: 65_000 }, onRequest),
  )
  const urls: string[] = []
  for (const server of servers) {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    urls.push(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)
  }
  const handlers: Handlers = {
    ...profiling,
    memory,
    cpu,
    parked: () => parked.size,
  }
  serveParent(handlers, { urls } satisfies ServerReady, async () => {
    for (const res of parked) res.destroy()
    for (const server of servers) {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  })
}

async function parley(ports: number, users: number): Promise<void> {
  // Holds as long as the bench needs (the default cap is 180 s); it changes nothing in memory.
  const target = await startParley({
    users: eventUsers(users),
    extraYaml: 'events:\n  maxTimeoutSeconds: 1800\n',
    listeners: ports,
  })
  const { server } = target
  const handlers: Handlers = {
    ...profiling,
    memory,
    cpu,
    parked: () => server.channel.parkedCount,
  }
  serveParent(handlers, { urls: server.listeners.map((l) => l.url) } satisfies ServerReady, () =>
    target.stop(),
  )
}

const [kind, portsArg, usersArg] = process.argv.slice(2)
const ports = Number(portsArg ?? 1)
const users = Number(usersArg ?? 0)
if (!Number.isInteger(ports) || ports < 1) throw new Error(`bad port count ${portsArg}`)
if (kind === 'bare') await bare(ports)
else if (kind === 'parley') await parley(ports, users)
else throw new Error(`usage: event-server.ts parley P U | bare P (got ${kind})`)
