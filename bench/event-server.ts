// Child process: one server under test for the event-channel scenarios, alone in its process so
// its memory is measured in isolation and its sockets have the whole fd budget.
//
//   node --expose-gc bench/event-server.ts parley P U   Parley (start(config)) with U eventUsers
//   node --expose-gc bench/event-server.ts bare P       a bare node:http server that parks every
//                                                      request and never answers until released
//   node bench/event-server.ts im U                     Parley for the IM scenario: U imUsers whose
//                                                      passwords use a cheap argon2id (set-up only)
//   node bench/event-server.ts relay                    the bare IM relay (below): the IM scenario's
//                                                      requests answered with node:http and JSON only
//
// P: listening ports, all in this one process. Linux's connect() searches for a free local port
// per destination address:port, even ports first, and slows down sharply once connections to one
// destination approach half the ephemeral range, so the load generator spreads over a few ports.
//
// Commands (bench/ipc.ts): memory, parked, cpu, profileStart/profileStop and snapshot
// (BENCH_PROFILE_DIR), stop; the relay also takes setup.
import { openSync, readdirSync, readSync, writeFileSync } from 'node:fs'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { Session } from 'node:inspector/promises'
import type { AddressInfo } from 'node:net'
import { getHeapStatistics, writeHeapSnapshot } from 'node:v8'
import { Argon2PasswordHasher } from '../src/platform/argon2-password-hasher.ts'
import { type Handlers, serveParent } from './ipc.ts'
import { eventUsers, imUsers, type ParleyTarget, startParley } from './targets.ts'

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
  serveParley(
    target,
    target.server.listeners.map((l) => l.url),
  )
}

/**
 * Parley for the IM scenario: `users` imUsers, hashed with a cheap argon2id so that signing
 * hundreds of them in takes a second (the IM path never hashes; scenario 3 measures sign-ins).
 */
async function im(users: number): Promise<void> {
  const target = await startParley({
    users: imUsers(users),
    extraYaml: 'events:\n  maxTimeoutSeconds: 1800\n',
    hasher: new Argon2PasswordHasher({ memory: 256, passes: 1, parallelism: 1 }),
  })
  serveParley(target, [target.server.url])
}

/** Answers the parent's commands for a Parley under test listening at `urls`. */
function serveParley(target: ParleyTarget, urls: readonly string[]): void {
  const handlers: Handlers = {
    ...profiling,
    memory,
    cpu,
    parked: () => target.server.channel.parkedCount,
  }
  serveParent(handlers, { urls } satisfies ServerReady, () => target.stop())
}

/** A pair's hrefs on the relay, as the load generator uses them. */
export interface RelayPair {
  readonly sender: { readonly self: string; readonly events: string; readonly sendMessage: string }
  readonly receiver: { readonly self: string; readonly events: string }
}

interface RelayApp {
  readonly self: string
  readonly conversation: string
  /** The other application of the pair. */
  peer?: RelayApp
  readonly queue: object[]
  /** The ack of the last P-GET: its batch number. */
  ack: number
  parked?: ServerResponse | undefined
}

/**
 * The bare IM relay: the IM scenario's request pattern with nothing but node:http and JSON. A
 * POST …/messaging/messages (text/plain) is answered 201 with a Location and queues a `message`
 * event, shaped and sized like Parley's, for both applications of its conversation (Outgoing to
 * the sender, Incoming to the receiver); GET …/events?ack=N answers at once with everything
 * queued (at most 200 events), or parks until something is. No authentication, no storage, no
 * batch bookkeeping beyond the next link: the most this machine and load generator can do.
 */
async function relay(): Promise<void> {
  const apps = new Map<string, RelayApp>()
  let parked = 0
  let seqs = 0
  const appPath = /^\/ucwa\/oauth\/v1\/applications\/(\d+)\//

  const answer = (app: RelayApp, res: ServerResponse) => {
    const events = app.queue.splice(0, 200)
    const body = JSON.stringify({
      _links: {
        self: { href: `${app.self}/events?ack=${app.ack}` },
        next: { href: `${app.self}/events?ack=${app.ack + 1}` },
      },
      sender: [{ rel: 'conversation', href: app.conversation, events }],
    })
    res.writeHead(200, {
      'content-type': 'application/json; charset=utf-8',
      'cache-control': 'no-cache, no-store',
      'content-length': Buffer.byteLength(body),
    })
    res.end(body)
  }
  const wake = (app: RelayApp) => {
    const res = app.parked
    if (!res) return
    app.parked = undefined
    parked--
    answer(app, res)
  }
  // Shaped like Parley's: the recipient's copy carries the text, the sender's own copy only the
  // operationId it was posted with (SendAnIM.md).
  const messageEvent = (app: RelayApp, seq: number, text: string, operationId?: string) => {
    const self = `${app.conversation}/messaging/messages/${seq}`
    const participant = `${app.conversation}/participants/sender@example.test`
    const links =
      operationId === undefined
        ? {
            participant: { href: participant, title: 'Bench Sender' },
            contact: { href: `${app.self}/people/sender@example.test` },
            plainMessage: {
              href: `data:text/plain;charset=utf-8,${encodeURIComponent(text).replace(/%20/g, '+')}`,
            },
          }
        : {}
    return {
      link: { rel: 'message', href: self },
      status: 'Success',
      _embedded: {
        message: {
          direction: operationId === undefined ? 'Incoming' : 'Outgoing',
          timeStamp: `/Date(${Date.now()})/`,
          ...(operationId === undefined ? {} : { operationId }),
          rel: 'message',
          _links: { self: { href: self }, messaging: { href: `${app.conversation}/messaging` }, ...links },
        },
      },
      type: 'completed',
    }
  }
  const fail = (res: ServerResponse, status: number) => {
    res.writeHead(status)
    res.end()
  }
  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    const url = req.url ?? ''
    const app = apps.get(appPath.exec(url)?.[1] ?? '')
    if (!app) return fail(res, 404)
    if (req.method === 'GET') {
      const ack = /[?&]ack=(\d+)/.exec(url)?.[1]
      if (!url.startsWith(`${app.self}/events?`) || ack === undefined) return fail(res, 404)
      app.ack = Number(ack)
      if (app.parked) wake(app) // a newer P-GET replaces a parked one (answered, not 409: simpler)
      if (app.queue.length > 0) return answer(app, res)
      app.parked = res
      parked++
      res.on('close', () => {
        if (app.parked !== res) return
        app.parked = undefined
        parked--
      })
      return
    }
    const [path, query = ''] = url.split('?')
    if (req.method !== 'POST' || path !== `${app.conversation}/messaging/messages` || !app.peer)
      return fail(res, 404)
    const operationId = new URLSearchParams(query).get('OperationContext') ?? ''
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8')
      const peer = app.peer as RelayApp
      const seq = ++seqs
      app.queue.push(messageEvent(app, seq, text, operationId))
      peer.queue.push(messageEvent(peer, seq, text))
      res.writeHead(201, { location: `${app.conversation}/messaging/messages/${seq}` })
      res.end()
      wake(app)
      wake(peer)
    })
  }
  const server = createServer({ requestTimeout: 0, keepAliveTimeout: 65_000 }, onRequest)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

  /** Creates `pairs` sender/receiver applications, each pair with a conversation. */
  const setup = ({ pairs }: { pairs: number }): RelayPair[] =>
    Array.from({ length: pairs }, (_, i) => {
      const id = (n: number) => `70000000000${String(n).padStart(8, '0')}`
      const conversationId = `c${String(i).padStart(11, '0')}`
      const make = (n: number): RelayApp => {
        const self = `/ucwa/oauth/v1/applications/${id(n)}`
        const app = {
          self,
          conversation: `${self}/communication/conversations/${conversationId}`,
          queue: [],
          ack: 0,
        }
        apps.set(id(n), app)
        return app
      }
      const sender = make(2 * i)
      const receiver = make(2 * i + 1)
      sender.peer = receiver
      receiver.peer = sender
      return {
        sender: {
          self: sender.self,
          events: `${sender.self}/events?ack=1`,
          sendMessage: `${sender.conversation}/messaging/messages`,
        },
        receiver: { self: receiver.self, events: `${receiver.self}/events?ack=1` },
      }
    })
  const handlers: Handlers = { ...profiling, memory, cpu, parked: () => parked, setup }
  serveParent(handlers, { urls: [url] } satisfies ServerReady, async () => {
    for (const app of apps.values()) app.parked?.destroy()
    server.closeAllConnections()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  })
}

const [kind, first, second] = process.argv.slice(2)
if (kind === 'relay') await relay()
else if (kind === 'im') await im(Number(first ?? 0))
else {
  const ports = Number(first ?? 1)
  const users = Number(second ?? 0)
  if (!Number.isInteger(ports) || ports < 1) throw new Error(`bad port count ${first}`)
  if (kind === 'bare') await bare(ports)
  else if (kind === 'parley') await parley(ports, users)
  else throw new Error(`usage: event-server.ts parley P U | bare P | im U | relay (got ${kind})`)
}
