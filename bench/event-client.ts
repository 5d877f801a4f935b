// Child process: the load generator of the event-channel and IM scenarios. It signs users in,
// creates their applications, parks P-GETs (one socket each) and runs P-GET loops that re-park as
// soon as a response arrives, timing the events they receive; for IM it also sets conversations
// up and sends messages, to Parley or to the bare relay. Commands: see `handlers` below.
import { Agent, type ClientRequest, request as httpRequest } from 'node:http'
import { setTimeout as sleep } from 'node:timers/promises'
import { DEFAULT_MESSAGING } from '../src/domain/messaging/messaging-service.ts'
import { signIn } from '../test/helpers/server.ts'
import type { RelayPair } from './event-server.ts'
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
  /** The server's base URL when it is not the one `init` signed in on (the bare IM relay). */
  readonly base?: string
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
/** The signed-in users' names (`im01@example.test`), by index. */
let usernames: string[] = []
const sets = new Map<string, App[]>()
// Keep-alive everywhere: a fresh connection per request would leave thousands of TIME_WAIT
// ports behind and measure TCP set-up rather than the server.
const agent = new Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY, maxFreeSockets: 100_000 })

function call(
  path: string,
  options: {
    token: string
    method?: string
    /** Sent as JSON. */
    body?: unknown
    /** Sent as is, instead of `body`. */
    text?: { readonly contentType: string; readonly body: string }
    agent?: Agent
    base?: string | undefined
  },
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const payload =
      options.text?.body ?? (options.body === undefined ? undefined : JSON.stringify(options.body))
    const headers: Record<string, string> = { host, authorization: `Bearer ${options.token}` }
    if (payload !== undefined) {
      headers['content-type'] = options.text?.contentType ?? 'application/json'
      headers['content-length'] = String(Buffer.byteLength(payload))
    }
    const method = options.method ?? (payload === undefined ? 'GET' : 'POST')
    if (payload === undefined && method !== 'GET') headers['content-length'] = '0'
    const url = `${options.base ?? base}${path}`
    const req = httpRequest(url, { method, headers, agent: options.agent ?? agent }, (res) => {
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
        reply = await call(`${next}&timeout=${HOLD_SECONDS}`, {
          token: app.token,
          agent: this.#agent,
          base: app.base,
        })
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

// ---- instant messaging (the IM scenario) ----

/** The part of an event the IM scenario reads. */
interface ImEvent {
  readonly link: { readonly rel: string }
  readonly type?: string
  readonly _embedded?: {
    readonly message?: {
      readonly direction?: string
      readonly operationId?: string
      readonly _links?: { readonly plainMessage?: { readonly href: string } }
    }
    readonly messagingInvitation?: { readonly _links?: { readonly accept?: { readonly href: string } } }
    readonly messaging?: {
      readonly state?: string
      readonly _links?: { readonly sendMessage?: { readonly href: string } }
    }
  }
}

/** Parley's per-user limit on messages (DEFAULT_MESSAGING: 100 per 10 s), not configurable. */
const IM_MAX_PER_WINDOW = DEFAULT_MESSAGING.maxMessagesPerWindow
/** The limit's window, plus a second of margin: the server stamps a message when it handles it. */
const IM_WINDOW_MS = DEFAULT_MESSAGING.rateWindowSeconds * 1000 + 1000
/** Every message is this text with its number in front ("im 123 Lorem…", 63–68 bytes). */
const IM_TEXT = 'Lorem ipsum dolor sit amet, consectetur adipiscing elit.'
/** How long to wait for the last messages of a run to arrive. */
const IM_DRAIN_MS = 30_000

/**
 * Keeps each sender under Parley's per-user limit, so that no POST is answered 429: a sender
 * may send only while it sent fewer than the limit in the last window.
 */
class SendBudget {
  readonly #sent: number[][]
  constructor(senders: number) {
    this.#sent = Array.from({ length: senders }, () => [])
  }
  allows(sender: number, now: number): boolean {
    const times = this.#sent[sender] as number[]
    let expired = 0
    while (expired < times.length && (times[expired] as number) <= now - IM_WINDOW_MS) expired++
    if (expired > 0) times.splice(0, expired)
    return times.length < IM_MAX_PER_WINDOW
  }
  record(sender: number, now: number): void {
    this.#sent[sender]?.push(now)
  }
}

/** One side of the IM scenario: Parley, or the bare relay taking the same requests. */
interface ImWorld {
  /** Sender i talks to receiver i in one conversation. */
  readonly senders: readonly App[]
  /** Each sender's sendMessage href. */
  readonly sendHrefs: readonly string[]
  /** Parley's per-user limit, kept on this side (none on the relay). */
  readonly budget: SendBudget | undefined
}

/** One run's messages: sent, answered, delivered to the receiver and echoed to the sender. */
interface ImRun {
  /** Latencies are recorded (not a warm-up). */
  readonly counted: boolean
  /** Deliveries between these instants (performance.now()) count as within the window. */
  from: number
  until: number
  sent: number
  posted: number
  postedInWindow: number
  delivered: number
  deliveredInWindow: number
  echoes: number
  echoesInWindow: number
  /** Messages not yet both delivered and echoed. */
  outstanding: number
  /** Times no sender could send because every one had used its budget (Parley's limit). */
  budgetWaits: number
  skipped: number
  readonly latenciesMs: number[]
  readonly postLatenciesMs: number[]
}

const imRun = (counted: boolean): ImRun => ({
  counted,
  from: Number.NEGATIVE_INFINITY,
  until: Number.POSITIVE_INFINITY,
  sent: 0,
  posted: 0,
  postedInWindow: 0,
  delivered: 0,
  deliveredInWindow: 0,
  echoes: 0,
  echoesInWindow: 0,
  outstanding: 0,
  budgetWaits: 0,
  skipped: 0,
  latenciesMs: [],
  postLatenciesMs: [],
})

const imWorlds = new Map<string, ImWorld>()
/** Which side of a conversation each application set is. */
const imRoles = new Map<string, 'sender' | 'receiver'>()
/** A message in flight: when and by which sender it was sent, and which arrivals are awaited. */
interface ImSent {
  readonly t0: number
  readonly run: ImRun
  /** The sender's index; its receiver has the same index in its set. */
  readonly pair: number
  delivered: boolean
  echoed: boolean
}
/** Messages in flight by number. */
const imSent = new Map<number, ImSent>()
/** Waiting for an event on one application (`set:index`) while the conversations are set up. */
const imWaiters = new Map<string, (event: ImEvent) => boolean>()
const imErrors: string[] = []
let imUnexpected = 0
let imNext = 0

function imWorld(name: string): ImWorld {
  const world = imWorlds.get(name)
  if (!world) throw new Error(`no IM world ${name}`)
  return world
}

/**
 * Which message an event is: the recipient's copy by its text (`im 123 …`), the sender's own copy,
 * which carries no body (SendAnIM.md), by the operationId `im-123` it was posted with.
 */
function imNumber(
  receiver: boolean,
  message: NonNullable<ImEvent['_embedded']>['message'],
): number | undefined {
  if (!receiver) {
    const m = /^im-(\d+)$/.exec(message?.operationId ?? '')
    return m ? Number(m[1]) : undefined
  }
  const href = message?._links?.plainMessage?.href
  return href === undefined ? undefined : messageNumber(href)
}

/** The message number in a `data:text/plain;charset=utf-8,im+123+Lorem…` href. */
function messageNumber(href: string): number | undefined {
  const m = /,im\+(\d+)\+/.exec(href)
  return m ? Number(m[1]) : undefined
}

/**
 * One message event on application `index` of a set playing `role`: it must be a message still
 * awaited there (not a duplicate), of the pair's conversation and in the right direction; anything
 * else counts as unexpected.
 */
function onImMessage(role: 'sender' | 'receiver', index: number, event: ImEvent, at: number): void {
  const message = event._embedded?.message
  const receiver = role === 'receiver'
  const n = imNumber(receiver, message)
  const sent = n === undefined ? undefined : imSent.get(n)
  if (
    !sent ||
    sent.pair !== index ||
    (receiver ? sent.delivered : sent.echoed) ||
    message?.direction !== (receiver ? 'Incoming' : 'Outgoing')
  ) {
    imUnexpected++
    return
  }
  const run = sent.run
  const inWindow = at >= run.from && at <= run.until
  if (receiver) {
    sent.delivered = true
    run.delivered++
    if (inWindow) run.deliveredInWindow++
    if (run.counted && inWindow) run.latenciesMs.push(at - sent.t0)
  } else {
    sent.echoed = true
    run.echoes++
    if (inWindow) run.echoesInWindow++
  }
  if (sent.delivered && sent.echoed) {
    imSent.delete(n as number)
    run.outstanding--
  }
}

const onImBatch: OnBatch = (set, index, batch, at) => {
  const role = imRoles.get(set)
  if (!role) return
  for (const sender of batch.sender) {
    for (const event of sender.events as readonly ImEvent[]) {
      if (event.link.rel === 'message') onImMessage(role, index, event, at)
      else if (imWaiters.get(`${set}:${index}`)?.(event)) imWaiters.delete(`${set}:${index}`)
    }
  }
}

/** Resolves with what `pick` finds in the first event of application `set:index` it accepts. */
function waitForEvent(set: string, index: number, what: string, pick: (e: ImEvent) => string | undefined) {
  return new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      imWaiters.delete(`${set}:${index}`)
      reject(new Error(`${set}[${index}]: no ${what} within 15 s`))
    }, 15_000)
    imWaiters.set(`${set}:${index}`, (event) => {
      const found = pick(event)
      if (found === undefined) return false
      clearTimeout(timer)
      resolve(found)
      return true
    })
  })
}

/**
 * Sets up one conversation per pair on Parley, as clients do: sender i POSTs
 * messagingInvitations to receiver i's user, the receiver's P-GET brings the invitation and
 * its accept link, the receiver accepts, and the sender's P-GET brings messaging (Connected)
 * with its sendMessage link. The P-GET loops of both sets must be running.
 */
async function imConnect(args: { world: string; senders: string; receivers: string; concurrency: number }) {
  const l = currentLoops()
  const senders = appsOf(args.senders)
  const receivers = appsOf(args.receivers)
  if (senders.length !== receivers.length) throw new Error('as many senders as receivers, please')
  imRoles.set(args.senders, 'sender')
  imRoles.set(args.receivers, 'receiver')
  l.onBatch = onImBatch
  const started = performance.now()
  const sendHrefs: string[] = new Array(senders.length)
  await inPool(
    senders.map((_, i) => i),
    args.concurrency,
    async (i) => {
      const a = senders[i] as App
      const b = receivers[i] as App
      const accept = waitForEvent(args.receivers, i, 'invitation', (e) =>
        e.link.rel === 'messagingInvitation' && e.type === 'started'
          ? e._embedded?.messagingInvitation?._links?.accept?.href
          : undefined,
      )
      const connected = waitForEvent(args.senders, i, 'sendMessage link', (e) =>
        e.link.rel === 'messaging' && e._embedded?.messaging?.state === 'Connected'
          ? e._embedded.messaging._links?.sendMessage?.href
          : undefined,
      )
      // Handled, so that a failure below does not leave an unhandled rejection behind.
      accept.catch(() => undefined)
      connected.catch(() => undefined)
      const invited = await call(`${a.self}/communication/messagingInvitations`, {
        token: a.token,
        body: { to: `sip:${usernames[b.user]}`, subject: 'bench' },
      })
      if (invited.status !== 201) throw new Error(`messagingInvitations: ${invited.status} ${invited.text}`)
      const accepted = await call(await accept, { token: b.token, method: 'POST' })
      if (accepted.status !== 204) throw new Error(`accept: ${accepted.status} ${accepted.text}`)
      sendHrefs[i] = await connected
    },
  )
  failIfBroken(l)
  imWorlds.set(args.world, { senders, sendHrefs, budget: new SendBudget(senders.length) })
  return { seconds: seconds(started) }
}

/** The relay's pairs (bench/event-server.ts relay): application sets and a world, no sign-in. */
function imRelay(args: { world: string; base: string; pairs: readonly RelayPair[] }) {
  const app = (a: { self: string; events: string }): App => ({ user: -1, token: '-', base: args.base, ...a })
  const senders = args.pairs.map((p) => app(p.sender))
  sets.set(`${args.world}-s`, senders)
  sets.set(`${args.world}-r`, [...args.pairs.map((p) => app(p.receiver))])
  imRoles.set(`${args.world}-s`, 'sender')
  imRoles.set(`${args.world}-r`, 'receiver')
  imWorlds.set(args.world, {
    senders,
    sendHrefs: args.pairs.map((p) => p.sender.sendMessage),
    budget: undefined,
  })
  return senders.length
}

/** POSTs message number `n` from sender `i` (text/plain, 201 expected). */
function sendImMessage(world: ImWorld, i: number, run: ImRun): Promise<void> {
  const n = imNext++
  const t0 = performance.now()
  imSent.set(n, { t0, run, pair: i, delivered: false, echoed: false })
  run.sent++
  run.outstanding++
  world.budget?.record(i, t0)
  const app = world.senders[i] as App
  return call(`${world.sendHrefs[i]}?OperationContext=im-${n}`, {
    token: app.token,
    base: app.base,
    text: { contentType: 'text/plain', body: `im ${n} ${IM_TEXT}` },
  }).then(
    (reply) => {
      if (reply.status !== 201) {
        imErrors.push(`POST sendMessage: ${reply.status} ${reply.text.slice(0, 200)}`)
        return
      }
      run.posted++
      if (reply.at < run.from || reply.at > run.until) return
      run.postedInWindow++
      if (run.counted) run.postLatenciesMs.push(reply.at - t0)
    },
    (error: unknown) => {
      imErrors.push(`POST sendMessage: ${String(error)}`)
    },
  )
}

/** Round-robin over the senders: the next one that is not `busy` and has budget left. */
function senderPicker(world: ImWorld, busy?: Uint8Array) {
  let turn = 0
  const count = world.senders.length
  return (now: number): number | undefined => {
    for (let k = 0; k < count; k++) {
      const i = (turn + k) % count
      if (busy?.[i] || (world.budget && !world.budget.allows(i, now))) continue
      turn = (i + 1) % count
      return i
    }
    return undefined
  }
}

/** Waits until every message of `run` has reached both its receiver and its sender. */
async function drain(run: ImRun): Promise<number> {
  const deadline = performance.now() + IM_DRAIN_MS
  while (run.outstanding > 0 && performance.now() < deadline) await sleep(2)
  return performance.now()
}

function failIfImBroken(): void {
  failIfBroken(currentLoops(), imErrors.splice(0))
}

function imSummary(run: ImRun, windowSeconds: number, cpu: NodeJS.CpuUsage) {
  const used = process.cpuUsage(cpu)
  return {
    sent: run.sent,
    posted: run.posted,
    postedInWindow: run.postedInWindow,
    delivered: run.delivered,
    deliveredInWindow: run.deliveredInWindow,
    echoes: run.echoes,
    echoesInWindow: run.echoesInWindow,
    undelivered: run.outstanding,
    budgetWaits: run.budgetWaits,
    skipped: run.skipped,
    unexpected: imUnexpected,
    seconds: windowSeconds,
    latenciesMs: run.latenciesMs,
    postLatenciesMs: run.postLatenciesMs,
    clientCpuMs: (used.user + used.system) / 1000,
  }
}

/**
 * Throughput: `concurrency` loops, each POSTing a message from the next free sender as soon as
 * its previous one was answered, for `rampSeconds` + `seconds`. The window is the last `seconds`:
 * messages that reach their receiver within it count (the ramp fills the pipeline, so the rate
 * in the window is the steady one), and their latencies are kept. Returns once every message has
 * arrived (or IM_DRAIN_MS passed), so runs do not overlap; CPU includes the ramp and the drain.
 */
async function imThroughput(args: {
  world: string
  seconds: number
  rampSeconds: number
  concurrency: number
  counted: boolean
}) {
  const world = imWorld(args.world)
  currentLoops().onBatch = onImBatch
  const run = imRun(args.counted)
  const busy = new Uint8Array(world.senders.length)
  const pick = senderPicker(world, busy)
  const cpu = process.cpuUsage()
  const started = performance.now()
  run.from = started + args.rampSeconds * 1000
  run.until = run.from + args.seconds * 1000
  const loop = async () => {
    for (let now = started; now < run.until; now = performance.now()) {
      const i = pick(now)
      if (i === undefined) {
        run.budgetWaits++
        await sleep(1)
        continue
      }
      busy[i] = 1
      await sendImMessage(world, i, run)
      busy[i] = 0
    }
  }
  await Promise.all(Array.from({ length: Math.min(args.concurrency, world.senders.length) }, loop))
  await drain(run)
  failIfImBroken()
  return imSummary(run, args.seconds, cpu)
}

/**
 * Latency at a fixed rate: `rate` messages per second, round-robin over the senders (several may
 * be in flight per sender), for `warmupSeconds` then `seconds`; each message is timed from
 * sending its POST until the receiver's P-GET response carrying it has arrived. A message that
 * finds every sender out of budget is skipped and counted.
 */
async function imRate(args: { world: string; rate: number; seconds: number; warmupSeconds: number }) {
  const world = imWorld(args.world)
  currentLoops().onBatch = onImBatch
  const pick = senderPicker(world)
  const phase = async (phaseSeconds: number, counted: boolean) => {
    const run = imRun(counted)
    const cpu = process.cpuUsage()
    const started = performance.now()
    let due = 0
    for (;;) {
      const now = performance.now()
      const elapsed = (now - started) / 1000
      if (elapsed >= phaseSeconds) break
      for (const target = Math.floor(elapsed * args.rate); due < target; due++) {
        const i = pick(now)
        if (i === undefined) run.skipped++
        else void sendImMessage(world, i, run)
      }
      await sleep(1)
    }
    return { run, cpu, seconds: seconds(started) }
  }
  const warmup = await phase(args.warmupSeconds, false)
  const measured = await phase(args.seconds, true)
  await drain(warmup.run)
  await drain(measured.run)
  failIfImBroken()
  return { ...imSummary(measured.run, measured.seconds, measured.cpu), warmupSent: warmup.run.sent }
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
    usernames = args.users.map((u) => u.username)
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
  /** makeMeAvailable (with `body`, `{}` by default) for every application of the set, in order
   * unless `concurrency` is given. */
  available: async (args: { set: string; body?: unknown; concurrency?: number }) => {
    const started = performance.now()
    await inPool(appsOf(args.set), args.concurrency ?? 1, async (app) => {
      const reply = await call(`${app.self}/me/makeMeAvailable`, { token: app.token, body: args.body ?? {} })
      if (reply.status !== 204) throw new Error(`makeMeAvailable: ${reply.status} ${reply.text}`)
    })
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
  imConnect,
  imRelay,
  imThroughput,
  imRate,
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
