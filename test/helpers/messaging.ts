// Instant-messaging steps shared by the messaging tests: start a conversation, connect it, read
// events and message bodies.
import assert from 'node:assert/strict'
import { after, before } from 'node:test'
import type { Client as ConsistencyClient } from './consistency.ts'
import { startTestServer, type TestServer } from './server.ts'
import { ADDRESS, availableAll, type Client, signedInApp, type UserName } from './ucwa-client.ts'

/** Rels that missed-conversation / history bookkeeping adds alongside messaging events. */
const BOOKKEEPING = new Set(['missedItems', 'conversationLog', 'conversationLogs'])

/** Every messaging event of `batch` (history bookkeeping left out), with its sender's rel as `sender`. */
export const flat = (batch: any): any[] =>
  (batch.sender as any[]).flatMap((s) =>
    s.events.filter((e: any) => !BOOKKEEPING.has(e.link.rel)).map((e: any) => ({ sender: s.rel, ...e })),
  )

/** `sender:rel:type[ in rel]` per messaging event of `batch` (see ucwa-client `summary`). */
export const im = (batch: any): string[] =>
  flat(batch).map((e) => `${e.sender}:${e.link.rel}:${e.type}${e.in ? ` in ${e.in.rel}` : ''}`)

/** The messaging events of the next batch (at once when something is queued). */
export async function next(c: Client): Promise<any[]> {
  return flat(await c.events(1))
}

/** The embedded resource of the first event whose link has `rel` and embeds it. */
export const embeddedOf = (batch: any, rel: string): any =>
  flat(batch).find((e) => e.link.rel === rel && e._embedded)?._embedded[rel]

/** The text of a `data:` URI, as clients decode it. */
export const dataText = (href: string): string =>
  decodeURIComponent(href.slice(href.indexOf(',') + 1).replace(/\+/g, ' '))

export const sip = (c: Client): string => `sip:${ADDRESS[c.user]}`

/**
 * Every queued messaging event of `c`: P-GETs until one comes back empty, so it costs the 1 s
 * hold once — use `next` when events are known to be queued.
 */
export async function drainEvents(c: Client): Promise<any[]> {
  const out: any[] = []
  for (;;) {
    const batch = await c.events(1)
    if (batch.sender.length === 0) return out
    out.push(...flat(batch))
  }
}

/**
 * startMessaging from `from` to `to` (subject "Plans", operationId "op-1" unless `fields` says
 * otherwise; an undefined field is left out); checks the 201 with an empty body and the
 * invitation's Location, and returns it.
 */
export async function startMessaging(
  from: Client,
  to: string,
  first?: string,
  fields: Record<string, unknown> = {},
): Promise<string> {
  const res = await from.post(`${from.self}/communication/messagingInvitations`, {
    to,
    subject: 'Plans',
    operationId: 'op-1',
    ...fields,
    ...(first
      ? { _links: { message: { href: `data:text/plain;charset=utf-8,${encodeURIComponent(first)}` } } }
      : {}),
  })
  assert.equal(res.status, 201, res.text)
  assert.equal(res.text, '')
  const location = res.headers.get('location') ?? ''
  assert.match(location, new RegExp(`^${from.self}/communication/messagingInvitations/[\\w-]+$`))
  return location
}

/** The hrefs one endpoint uses in a connected conversation. */
export interface Joined {
  readonly client: Client
  readonly conversation: string
  readonly messaging: string
  readonly sendMessage: string
  readonly invitation: string
}

/** Joins `c` through the incoming invitation in its queue; returns its hrefs. */
export async function acceptIncoming(c: Client): Promise<Joined> {
  const incoming = flat(await c.events()).find(
    (e) => e.link.rel === 'messagingInvitation' && e.type === 'started',
  )
  assert.ok(incoming, `${c.user}: no incoming invitation`)
  const invitation = incoming._embedded.messagingInvitation
  const accepted = await c.post(invitation._links.accept.href)
  assert.equal(accepted.status, 204, accepted.text)
  const messaging = invitation._links.messaging.href
  return {
    client: c,
    conversation: invitation._links.conversation.href,
    messaging,
    sendMessage: `${messaging}/messages`,
    invitation: invitation._links.self.href,
  }
}

/** alice starts a conversation with bob, bob accepts; both queues drained afterwards. */
export async function connect(from: Client, to: Client): Promise<[Joined, Joined]> {
  const location = await startMessaging(from, sip(to))
  const mine = (await from.get(location)).json
  const theirs = await acceptIncoming(to)
  await next(from)
  await next(to)
  const messaging = mine._links.messaging.href
  return [
    {
      client: from,
      conversation: mine._links.conversation.href,
      messaging,
      sendMessage: `${messaging}/messages`,
      invitation: location,
    },
    theirs,
  ]
}

/**
 * `inviter` adds `invitee` to its connected conversation (addParticipant, 201) and `invitee`
 * accepts; the inviter's and then `others`' queues are drained after the add, the invitee's, the
 * inviter's and `others`' after the accept. Returns the invitee's hrefs.
 */
export async function addAndJoin(
  inviter: Joined,
  invitee: Client,
  others: readonly Client[],
  operationId: string,
): Promise<Joined> {
  assert.equal((await addParticipant(inviter, sip(invitee), operationId)).status, 201)
  for (const x of [inviter.client, ...others]) await next(x)
  const joined = await acceptIncoming(invitee)
  for (const x of [invitee, inviter.client, ...others]) await next(x)
  return joined
}

/** addParticipant through the conversation's own link (participantInvitations?conversation=…). */
export async function addParticipant(j: Joined, to: string, operationId = 'add-1') {
  const conversation = (await j.client.get(j.conversation)).json
  const href = conversation._links.addParticipant?.href
  assert.ok(href, `no addParticipant link in ${conversation.state} conversation`)
  return j.client.post(href, { to, operationId })
}

/**
 * GETs every href `resource` links (but data URIs and the `skip` rels, actions taken with POST)
 * and asserts each answers 200; returns the rels walked.
 */
export async function assertLinksAnswer(
  c: Client,
  resource: any,
  skip: readonly string[] = [],
): Promise<string[]> {
  const walked: string[] = []
  for (const [rel, value] of Object.entries(resource._links ?? {})) {
    for (const link of Array.isArray(value) ? value : [value]) {
      const href = (link as { href: string }).href
      if (skip.includes(rel) || href.startsWith('data:')) continue
      const res = await c.get(href)
      assert.equal(res.status, 200, `${resource.rel} links ${rel} ${href}: ${res.status} ${res.text}`)
      walked.push(rel)
    }
  }
  return walked
}

/** POSTs a text/plain message. */
export function say(j: Joined, text: string): ReturnType<Client['send']> {
  return j.client.send('POST', j.sendMessage, text, { 'content-type': 'text/plain' })
}

/**
 * The bodies of the incoming message events among `events`, in order (an endpoint's own messages
 * come back Outgoing without a body, as SendAnIM.md shows).
 */
export const texts = (events: readonly any[]): string[] =>
  events
    .filter((e) => e.link.rel === 'message' && e._embedded.message.direction === 'Incoming')
    .map((e) => dataText(e._embedded.message._links.plainMessage.href))

/** The directions of the message events among `events`, in order. */
export const directions = (events: readonly any[]): string[] =>
  events.filter((e) => e.link.rel === 'message').map((e) => e._embedded.message.direction)

/** A test client as the consistency check wants it (its `next` is the client's own). */
export function observed(c: Client, name: string): ConsistencyClient {
  return {
    name,
    get: (path) => c.get(path),
    get next() {
      return c.next
    },
    set next(value: string) {
      c.next = value
    },
  }
}

/** The test server of a describe and the users it signed in (see `withAvailableUsers`). */
export type Users<U extends UserName> = { readonly t: TestServer } & { readonly [K in U]: Client }

/**
 * For the describe it is called in: a `before` that starts a test server and signs each of
 * `users` in once (endpoint `<user>-1`), then makes them available with their queues drained, and
 * an `after` that stops the server. That `before` fills the fields in: read them in hooks and
 * tests, not in the describe's body.
 */
export function withAvailableUsers<U extends UserName>(...users: U[]): Users<U> {
  const world = {} as { t: TestServer } & Record<UserName, Client>
  before(async () => {
    world.t = await startTestServer()
    for (const u of users) world[u] = await signedInApp(world.t, u)
    await availableAll(...users.map((u) => world[u]))
  })
  after(() => world.t.stop())
  return world
}

/** `c`'s missedItems (GET, 200). */
export async function missedItems(c: Client): Promise<any> {
  const res = await c.get(`${c.self}/communication/missedItems`)
  assert.equal(res.status, 200, res.text)
  return res.json
}

/** `c`'s conversation logs, newest first (GET conversationLogs, 200). */
export async function conversationLogs(c: Client): Promise<any[]> {
  const res = await c.get(`${c.self}/communication/conversationLogs`)
  assert.equal(res.status, 200, res.text)
  return res.json._embedded.conversationLog
}
