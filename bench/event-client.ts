// Child process: the load generator of the event-channel scenarios. It signs users in, creates
// their applications, parks P-GETs (one socket each) and runs P-GET loops that re-park as soon
// as a response arrives, timing the events they receive. Commands: see `handlers` below.
import { Agent, type ClientRequest, request as httpRequest } from 'node:http'
import { setTimeout as sleep } from 'node:timers/promises'
import { signIn } from '../test/helpers/server.ts'
import { serveParent } from './ipc.ts'

/** One application as the client knows it. */
interface App {
  /** Index of its user in the list `init` signed in. */
  readonly user: number
  readonly token: string
  /** `/ucwa/oauth/v1/applications/{id}`. */
  readonly self: string
  /** The first P-GET: `…/events?ack=1`. */
  readonly events: string
}

/** The part of an event batch the client reads. */
interface Batch {
  readonly _links: { readonly next?: { readonly href: string }; readonly resync?: { readonly href: string } }
  readonly sender: readonly {
    readonly rel: string
    readonly events: readonly { readonly link: { rel: string } }[]
  }[]
}

interface Reply {
  readonly status: number
  readonly text: string
  /** performance.now() when the whole response had arrived. */
  readonly at: number
}

/** How long the P-GET loops ask the server to hold (the bench server allows up to 1800 s). */
const HOLD_SECONDS = 600

let base = ''
let host = ''
let tokens: string[] = []
const sets = new Map<string, App[]>()
// Keep-alive everywhere: a fresh connection per request would leave thousands of TIME_WAIT
// ports behind and measure TCP set-up rather than the server.
const agent = new Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY, maxFreeSockets: 100_000 })

function call(
  path: string,
  options: { token: string; method?: string; body?: unknown; agent?: Agent },
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const payload = options.body === undefined ? undefined : JSON.stringify(options.body)
    const headers: Record<string, string> = { host, authorization: `Bearer ${options.token}` }
    if (payload !== undefined) {
      headers['content-type'] = 'application/json'
      headers['content-length'] = String(Buffer.byteLength(payload))
    }
    const method = options.method ?? (payload === undefined ? 'GET' : 'POST')
    const req = httpRequest(`${base}${path}`, { method, headers, agent: options.agent ?? agent }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          text: Buffer.concat(chunks).toString('utf8'),
          at: performance.now(),
        }),
      )
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end(payload)
  })
}

/** Runs `work` over `items` with at most `concurrency` at a time. */
async function inPool<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>) {
  let next = 0
  const loop = async () => {
    while (next < items.length) await work(items[next++] as T)
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, loop))
}

function appsOf(set: string): App[] {
  const apps = sets.get(set)
  if (!apps) throw new Error(`no application set ${set}`)
  return apps
}

const seconds = (since: number) => (performance.now() - since) / 1000

// ---- parked P-GETs (the idle-endpoints scenario) ----

interface ParkedSet {
  readonly agent: Agent
  readonly apps: readonly App[]
  readonly urls: readonly string[]
  readonly timeoutSeconds: number
  readonly requests: ClientRequest[]
  /** Responses that arrived while the requests should have been parked (status codes). */
  readonly early: number[]
  readonly errors: string[]
  /** Requests sent so far, and how many may be sent (the parent raises it as the server parks). */
  sent: number
  allowed: number
  releasing: boolean
}

let parked: ParkedSet | undefined

function sendAllowed(state: ParkedSet): void {
  while (state.sent < state.allowed && state.sent < state.apps.length) {
    const url = state.urls[state.sent % state.urls.length]
    const app = state.apps[state.sent++] as App
    const req = httpRequest(`${url}${app.events}&timeout=${state.timeoutSeconds}`, {
      agent: state.agent,
      headers: { host, authorization: `Bearer ${app.token}` },
    })
    req.on('response', (res) => {
      if (!state.releasing) state.early.push(res.statusCode ?? 0)
      res.resume()
    })
    req.on('error', (error) => {
      if (!state.releasing) state.errors.push(error.message)
    })
    req.end()
    state.requests.push(req)
  }
}

/**
 * Starts sending one P-GET per application of `set` to `urls` in turn (Parley, or the bare
 * server with the same requests), each on its own keep-alive socket. At most `allowed` are sent:
 * the parent raises the limit as the server reports them parked, so connections never pile up
 * beyond the server's accept backlog (an overflowing backlog drops SYNs, which clients retry
 * only after a second).
 */
function park(args: { set: string; urls: readonly string[]; timeoutSeconds: number; allowed: number }) {
  if (parked) throw new Error('release the parked requests first')
  parked = {
    agent: new Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY }),
    apps: appsOf(args.set),
    urls: args.urls,
    timeoutSeconds: args.timeoutSeconds,
    requests: [],
    early: [],
    errors: [],
    sent: 0,
    allowed: args.allowed,
    releasing: false,
  }
  sendAllowed(parked)
  return parked.apps.length
}

/** Raises how many P-GETs may be sent; reports what went wrong so far. */
function allow(args: { allowed: number }) {
  const state = parked
  if (!state) throw new Error('nothing is being parked')
  state.allowed = Math.max(state.allowed, args.allowed)
  sendAllowed(state)
  return { sent: state.sent, early: state.early.length, errors: state.errors.length, error: state.errors[0] }
}

/** Ends every parked request (closing its socket) and reports what went wrong while parked. */
function release() {
  const state = parked
  if (!state) return { released: 0, early: [], errors: [] }
  parked = undefined
  state.releasing = true
  for (const req of state.requests) req.destroy()
  state.agent.destroy()
  return { released: state.requests.length, early: state.early.slice(0, 5), errors: state.errors.slice(0, 5) }
}

// ---- P-GET loops (the latency and fan-out scenarios) ----

type OnBatch = (set: string, index: number, batch: Batch, at: number) => void

class Loops {
  readonly #agent = new Agent({
    keepAlive: true,
    maxSockets: Number.POSITIVE_INFINITY,
    maxFreeSockets: 100_000,
  })
  #stopped = false
  readonly errors: string[] = []
  batches = 0
  events = 0
  lastEventAt = performance.now()
  onBatch: OnBatch | undefined

  start(set: string): number {
    const apps = appsOf(set)
    apps.forEach((app, index) => void this.#loop(set, index, app))
    return apps.length
  }

  async #loop(set: string, index: number, app: App): Promise<void> {
    let next = app.events
    while (!this.#stopped) {
      let reply: Reply
      try {
        reply = await call(`${next}&timeout=${HOLD_SECONDS}`, { token: app.token, agent: this.#agent })
      } catch (error) {
        if (!this.#stopped) this.errors.push(String(error))
        return
      }
      if (this.#stopped) return
      if (reply.status !== 200) {
        this.errors.push(`P-GET ${next}: ${reply.status} ${reply.text.slice(0, 200)}`)
        return
      }
      const batch = JSON.parse(reply.text) as Batch
      this.batches++
      const count = batch.sender.reduce((n, s) => n + s.events.length, 0)
      if (count > 0) {
        this.events += count
        this.lastEventAt = reply.at
      }
      this.onBatch?.(set, index, batch, reply.at)
      const link = batch._links.next ?? batch._links.resync
      if (!link) {
        this.errors.push(`P-GET ${next}: no next link`)
        return
      }
      next = link.href
    }
  }

  stop(): void {
    this.#stopped = true
    this.#agent.destroy()
  }
}

let loops: Loops | undefined

function currentLoops(): Loops {
  if (!loops) throw new Error('no P-GET loops running')
  return loops
}

function failIfBroken(l: Loops, errors: readonly string[] = []): void {
  const all = [...l.errors, ...errors]
  if (all.length > 0) throw new Error(`${all.length} failed requests, e.g. ${all.slice(0, 3).join(' | ')}`)
}

/** True when the batch carries an event whose link rel is `rel` (note, contactNote). */
const carries = (batch: Batch, rel: string) =>
  batch.sender.some((s) => s.events.some((e) => e.link.rel === rel))

/** Changes the note of `app`'s user (one presence change: one `rel` event per receiver). */
let noteSeq = 0
function changeNote(app: App, errors: string[]): void {
  call(`${app.self}/me/note`, { token: app.token, body: { message: `bench note ${noteSeq++}` } }).then(
    (reply) => {
      if (reply.status !== 204) errors.push(`POST me/note: ${reply.status} ${reply.text.slice(0, 200)}`)
    },
    (error: unknown) => errors.push(`POST me/note: ${String(error)}`),
  )
}

/**
 * Event delivery latency at a fixed rate: each change is a POST me/note by senders[u]; for each
 * receiving set, the time runs from sending it until receivers[u]'s P-GET response carrying the
 * set's `rel` event has arrived. A user changes again only once the previous change reached all
 * its receivers (so every event is attributed exactly); when every user is still waiting, the
 * change is counted as skipped.
 */
async function latency(args: {
  senders: string
  receivers: readonly { readonly set: string; readonly rel: string }[]
  rate: number
  seconds: number
  warmupSeconds: number
}) {
  const l = currentLoops()
  const senders = appsOf(args.senders)
  const users = senders.length
  const outstanding: ({ t0: number; counted: boolean; pending: Set<string> } | undefined)[] = new Array(
    users,
  ).fill(undefined)
  const latenciesMs = new Map<string, number[]>(args.receivers.map((r) => [r.set, []]))
  const rels = new Map(args.receivers.map((r) => [r.set, r.rel]))
  const errors: string[] = []
  let unexpected = 0
  l.onBatch = (set, index, batch, at) => {
    const rel = rels.get(set)
    if (rel === undefined || !carries(batch, rel)) return
    const change = outstanding[index]
    if (!change?.pending.delete(set)) {
      unexpected++
      return
    }
    if (change.pending.size === 0) outstanding[index] = undefined
    if (change.counted) latenciesMs.get(set)?.push(at - change.t0)
  }
  let turn = 0
  /** The next user, round-robin, whose previous change has reached all its receivers. */
  const freeUser = (): number | undefined => {
    for (let k = 0; k < users; k++) {
      const candidate = (turn + k) % users
      if (!outstanding[candidate]) {
        turn = (candidate + 1) % users
        return candidate
      }
    }
    return undefined
  }
  const phase = async (phaseSeconds: number, counted: boolean) => {
    const started = performance.now()
    const events = l.events
    const batches = l.batches
    const cpu = process.cpuUsage()
    let due = 0
    let sent = 0
    let skipped = 0
    for (;;) {
      const elapsed = seconds(started)
      if (elapsed >= phaseSeconds) break
      const target = Math.floor(elapsed * args.rate)
      for (; due < target; due++) {
        const user = freeUser()
        if (user === undefined) {
          skipped++
          continue
        }
        outstanding[user] = { t0: performance.now(), counted, pending: new Set(rels.keys()) }
        sent++
        changeNote(senders[user] as App, errors)
      }
      await sleep(1)
    }
    const used = process.cpuUsage(cpu)
    return {
      sent,
      skipped,
      seconds: seconds(started),
      /** P-GET responses, and the events in them, that arrived during the phase (every loop). */
      responses: l.batches - batches,
      events: l.events - events,
      clientCpuMs: (used.user + used.system) / 1000,
    }
  }
  const warmup = await phase(args.warmupSeconds, false)
  const measured = await phase(args.seconds, true)
  // Let the last changes arrive.
  const deadline = performance.now() + 5000
  while (outstanding.some((o) => o) && performance.now() < deadline) await sleep(5)
  const undelivered = outstanding.filter((o) => o?.counted).length
  l.onBatch = undefined
  failIfBroken(l, errors)
  return {
    ...measured,
    warmupSent: warmup.sent,
    undelivered,
    unexpected,
    latenciesMs: Object.fromEntries(latenciesMs),
  }
}

/**
 * Presence fan-out: `sender` changes its note, one change at a time; each change is done when
 * every application of `receivers` has received its `rel` event. Runs for about `seconds`.
 */
async function fanout(args: {
  sender: string
  receivers: string
  rel: string
  seconds: number
  warmup: number
}) {
  const l = currentLoops()
  const sender = appsOf(args.sender)[0]
  if (!sender) throw new Error(`no sender in ${args.sender}`)
  const receivers = appsOf(args.receivers).length
  const errors: string[] = []
  let waiting = new Set<number>()
  let t0 = 0
  let eventLatencies: number[] = []
  let done: (() => void) | undefined
  l.onBatch = (set, index, batch, at) => {
    if (set !== args.receivers || !carries(batch, args.rel)) return
    if (!waiting.delete(index)) return
    eventLatencies.push(at - t0)
    if (waiting.size === 0) done?.()
  }
  const change = async (): Promise<number> => {
    waiting = new Set(Array.from({ length: receivers }, (_, i) => i))
    const finished = new Promise<void>((resolve) => {
      done = resolve
    })
    t0 = performance.now()
    changeNote(sender, errors)
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`fan-out: ${waiting.size} of ${receivers} receivers got nothing within 30 s`)),
        30_000,
      )
    })
    try {
      await Promise.race([finished, timeout])
    } finally {
      clearTimeout(timer)
    }
    failIfBroken(l, errors)
    return performance.now() - t0
  }
  for (let i = 0; i < args.warmup; i++) await change()
  eventLatencies = []
  const changeMs: number[] = []
  const started = performance.now()
  const cpu = process.cpuUsage()
  while (changeMs.length < 3 || seconds(started) < args.seconds) changeMs.push(await change())
  const elapsed = seconds(started)
  const used = process.cpuUsage(cpu)
  l.onBatch = undefined
  failIfBroken(l, errors)
  return {
    receivers,
    changes: changeMs.length,
    events: eventLatencies.length,
    seconds: elapsed,
    changeMs,
    eventLatenciesMs: eventLatencies,
    clientCpuMs: (used.user + used.system) / 1000,
  }
}

const handlers = {
  /** Signs every user in once (one argon2id verification each). */
  init: async (args: {
    base: string
    host: string
    users: readonly { username: string; password: string }[]
  }) => {
    base = args.base
    host = args.host
    const started = performance.now()
    tokens = new Array(args.users.length)
    const indexes = args.users.map((_, i) => i)
    await inPool(indexes, 4, async (i) => {
      const user = args.users[i]
      if (user) tokens[i] = await signIn(base, host, user.username, user.password)
    })
    return { seconds: seconds(started) }
  },
  /** Creates applications (POST applications, one EndpointId each) for the given users. */
  create: async (args: { set: string; users: readonly number[]; prefix: string; concurrency: number }) => {
    const started = performance.now()
    const apps: App[] = new Array(args.users.length)
    await inPool(
      args.users.map((user, i) => ({ user, i })),
      args.concurrency,
      async ({ user, i }) => {
        const token = tokens[user]
        if (!token) throw new Error(`user ${user} is not signed in`)
        const body = { UserAgent: 'parley-bench/1.0', EndpointId: `${args.prefix}-${i}`, Culture: 'en-US' }
        const reply = await call('/ucwa/oauth/v1/applications', { token, body })
        if (reply.status !== 201) throw new Error(`create application: ${reply.status} ${reply.text}`)
        const links = (
          JSON.parse(reply.text) as { _links: { self: { href: string }; events: { href: string } } }
        )._links
        apps[i] = { user, token, self: links.self.href, events: links.events.href }
      },
    )
    sets.set(args.set, [...(sets.get(args.set) ?? []), ...apps])
    return { seconds: seconds(started), ids: apps.map((a) => a.self.slice(a.self.lastIndexOf('/') + 1)) }
  },
  /** makeMeAvailable for every application of the set, in order. */
  available: async (args: { set: string }) => {
    const started = performance.now()
    for (const app of appsOf(args.set)) {
      const reply = await call(`${app.self}/me/makeMeAvailable`, { token: app.token, body: {} })
      if (reply.status !== 204) throw new Error(`makeMeAvailable: ${reply.status} ${reply.text}`)
    }
    return { seconds: seconds(started) }
  },
  /**
   * POST people/presenceSubscriptions for each application of the set: application i watches
   * `uris[i]` (or `uris[0]` when only one is given) for 30 minutes.
   */
  subscribe: async (args: { set: string; uris: readonly string[]; concurrency: number }) => {
    const apps = appsOf(args.set)
    await inPool(
      apps.map((app, i) => ({ app, uri: args.uris[args.uris.length === 1 ? 0 : i] })),
      args.concurrency,
      async ({ app, uri }) => {
        if (!uri) throw new Error(`no URI to subscribe ${app.self} to`)
        const body = { duration: 30, uris: [uri] }
        const reply = await call(`${app.self}/people/presenceSubscriptions`, { token: app.token, body })
        if (reply.status !== 201) throw new Error(`presenceSubscriptions: ${reply.status} ${reply.text}`)
      },
    )
    return apps.length
  },
  park,
  allow,
  release,
  /** Starts P-GET loops for every application of the given sets. */
  listen: (args: { sets: readonly string[] }) => {
    if (loops) throw new Error('P-GET loops already running')
    loops = new Loops()
    const l = loops
    return args.sets.reduce((n, set) => n + l.start(set), 0)
  },
  /** Resolves once no event has arrived for `ms` (the initial events are drained). */
  quiet: async (args: { ms: number }) => {
    const l = currentLoops()
    while (performance.now() - l.lastEventAt < args.ms) await sleep(20)
    failIfBroken(l)
    return { batches: l.batches, events: l.events }
  },
  latency,
  fanout,
  /** Stops the loops (their sockets close; the server ends the parked P-GETs). */
  unlisten: () => {
    const l = loops
    loops = undefined
    l?.stop()
    return { batches: l?.batches ?? 0, events: l?.events ?? 0 }
  },
}

serveParent(handlers, { pid: process.pid }, async () => {
  release()
  loops?.stop()
  agent.destroy()
})
