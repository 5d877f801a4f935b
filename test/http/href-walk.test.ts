// Every href Parley hands out answers (issue 14): two users and a third for the escalation go
// through everything Parley can produce — the application and its embedded resources, me and its
// children, the people hub, contact lists, privacy, a presence subscription, search, photos, a
// conversation with invitation, accept, messages and typing, a three-party escalation, missed
// items and conversation logs, and events of every kind — while a walker follows each href it is
// handed: in bodies, `_embedded` resources (recursively), every event of every event batch, and
// `Location` headers. Resource links are fetched (JSON and XML) and must not answer 404, 405 or
// 5xx; action links are POSTed at the end and must not answer 405 or 5xx, nor 404 because no
// route takes them. Every failure lands in one assertion message: rel, href, status.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { HttpResponse, TestServer } from '../helpers/server.ts'
import { startTestServer } from '../helpers/server.ts'
import { ADDRESS, available, type Client, signedInApp, type UserName } from '../helpers/ucwa-client.ts'

/**
 * Rels whose href is an action (POST), from the UCWA reference (the `*_ref.md` page of each: its
 * only operation is POST) and Parley's one extension (reportNetworkType, docs/policies.md).
 * Every other rel names a resource and is fetched with GET.
 */
const ACTIONS = new Set([
  'makeMeAvailable',
  'reportMyActivity',
  'reportNetworkType',
  'batch',
  'startMessaging',
  'startAudioVideo',
  'startPhoneAudio',
  'startOnlineMeeting',
  'joinOnlineMeeting',
  'addParticipant',
  'addMessaging',
  'addAudio',
  'addPhoneAudio',
  'addAudioVideo',
  'accept',
  'decline',
  'cancel',
  'stopMessaging',
  'terminate',
  'sendMessage',
  'setIsTyping',
  'markAsRead',
  'continueMessaging',
  'resetContactPrivacyRelationship',
  'removeContactFromAllGroups',
  'addToContactList',
  'removeFromContactList',
  'subscribeToGroupPresence',
  'addToPresenceSubscription',
  'startOrRefreshSubscriptionToContactsAndGroups',
  'stopSubscriptionToContactsAndGroups',
  'changeNumber',
  'changeVisibility',
  'turnOffCallForwarding',
  'immediateForwardToContact',
  'immediateForwardToDelegates',
  'immediateForwardToVoicemail',
  'simultaneousRingToContact',
  'simultaneousRingToDelegates',
  'simultaneousRingToTeam',
  'unansweredCallToContact',
  'unansweredCallToVoicemail',
  'resetUnansweredCallSettings',
])

/** Actions that end or answer something: POSTed last, so they do not pull the rest away. */
const ENDING = ['accept', 'decline', 'cancel', 'stopMessaging', 'terminate']

/** The event channel (long poll): walked by the scenario itself with a short timeout. */
const isEventChannel = (href: string) => /\/events(\?|$)/.test(href)

const isFailure = (status: number) => status === 404 || status === 405 || status >= 500

interface Found {
  readonly rel: string
  readonly href: string
  /**
   * Found in an invitation that has ended (Connected or Failed) or anything embedded in it: such
   * an invitation stays GET-able, so every link it keeps must answer even once a `deleted` event
   * announced its conversation (issue 14: no tolerance for failed or left invitations).
   */
  readonly strict?: boolean
}

const INVITATIONS = new Set(['messagingInvitation', 'participantInvitation'])

/** An invitation in its final state (the rel is on resources and embedded copies alike). */
const isEndedInvitation = (node: Record<string, unknown>) =>
  INVITATIONS.has(node.rel as string) && (node.state === 'Connected' || node.state === 'Failed')

/** The links of a `_links` object: one per href, lists flattened. */
const linkList = (links: unknown, strict: boolean): Found[] =>
  Object.entries((links ?? {}) as Record<string, unknown>).flatMap(([rel, value]) =>
    (Array.isArray(value) ? value : [value])
      .filter((l) => typeof (l as Found | undefined)?.href === 'string')
      .map((l) => ({ rel, href: (l as Found).href, ...(strict ? { strict } : {}) })),
  )

/** Every link in a UCWA document: `_links` (single or list), `_embedded` resources at any depth,
 * event batches (sender, each event's link and `in`). Links of `deleted` events are returned
 * apart: their resource is gone by design. */
function linksOf(
  value: unknown,
  out: { live: Found[]; deleted: Found[] } = { live: [], deleted: [] },
  strict = false,
) {
  if (Array.isArray(value)) {
    for (const item of value) linksOf(item, out, strict)
    return out
  }
  if (!value || typeof value !== 'object') return out
  const node = value as Record<string, unknown>
  const inside = strict || isEndedInvitation(node)
  if (typeof node.href === 'string' && typeof node.rel === 'string') {
    out.live.push({ rel: node.rel, href: node.href })
  }
  for (const [key, child] of Object.entries(node)) {
    if (key === '_links') out.live.push(...linkList(child, inside))
    else if (key === 'link' && node.type === 'deleted') out.deleted.push(child as Found)
    else linksOf(child, out, inside)
  }
  return out
}

/** Follows every href handed to `absorb`, fetching resources at once and keeping actions for later. */
class Walker {
  readonly failures: string[] = []
  readonly resourceRels = new Set<string>()
  readonly actionRels = new Set<string>()
  readonly #fetched = new Set<string>()
  readonly #actions = new Map<string, { client: Client; rel: string }>()
  /** Actions the scenario itself POSTed, with the status it got. */
  readonly #posted = new Map<string, number>()
  /** hrefs of resources a `deleted` event announced: they and what is under them may be gone. */
  readonly #gone: string[] = []

  #isGone(href: string): boolean {
    return this.#gone.some((g) => href === g || href.startsWith(`${g}/`) || href.startsWith(`${g}?`))
  }

  #fail(client: Client, rel: string, method: string, href: string, res: HttpResponse): void {
    const reason = res.json?.subcode ?? res.json?.code ?? ''
    this.failures.push(`${client.user}: ${rel} ${method} ${href} → ${res.status} ${reason}`.trim())
  }

  /**
   * Everything a response of `client` hands out: body links and the Location header. `rechecked`
   * holds the links of ended invitations fetched again while walking this one answer (each once).
   */
  async absorbResponse(client: Client, res: HttpResponse, rechecked = new Set<string>()): Promise<void> {
    const location = res.headers.get('location')
    if (location) await this.absorb(client, [{ rel: 'Location', href: location }], rechecked)
    if (res.json !== undefined) await this.absorbDocument(client, res.json, rechecked)
  }

  async absorbDocument(client: Client, doc: unknown, rechecked = new Set<string>()): Promise<void> {
    const { live, deleted } = linksOf(doc)
    for (const d of deleted) if (!this.#gone.includes(d.href)) this.#gone.push(d.href)
    await this.absorb(client, live, rechecked)
  }

  async absorb(client: Client, links: readonly Found[], rechecked = new Set<string>()): Promise<void> {
    for (const { rel, href, strict } of links) {
      if (href.startsWith('data:') || isEventChannel(href)) continue
      const key = `${client.user}|${client.self}|${href}`
      if (ACTIONS.has(rel)) {
        this.actionRels.add(rel)
        if (!this.#actions.has(`${key}|${rel}`)) this.#actions.set(`${key}|${rel}`, { client, rel })
      } else if (strict) {
        // An ended invitation's links: fetched whatever was deleted, and again each time one is
        // handed out (the resource they name may have ended since the last look).
        if (rechecked.has(key)) continue
        rechecked.add(key)
        this.#fetched.add(key)
        this.resourceRels.add(rel)
        await this.#fetch(client, rel, href, rechecked)
      } else if (!this.#fetched.has(key) && !this.#isGone(href)) {
        this.#fetched.add(key)
        this.resourceRels.add(rel)
        await this.#fetch(client, rel, href, rechecked)
      }
    }
  }

  /** GETs a resource in JSON and in XML, then walks what it links to. */
  async #fetch(client: Client, rel: string, href: string, rechecked: Set<string>): Promise<void> {
    const res = await client.get(href)
    if (isFailure(res.status)) {
      this.#fail(client, rel, 'GET', href, res)
      return
    }
    if ((res.headers.get('content-type') ?? '').startsWith('application/json')) {
      const xml = await client.get(href, { accept: 'application/xml' })
      if (isFailure(xml.status) || !(xml.headers.get('content-type') ?? '').startsWith('application/xml')) {
        this.#fail(client, rel, 'GET (XML)', href, xml)
      }
    }
    if (typeof res.json?.rel === 'string') this.resourceRels.add(res.json.rel)
    await this.absorbResponse(client, res, rechecked)
  }

  /** The scenario POSTed `href` itself (an advertised action): its answer counts as the probe. */
  notePost(href: string, status: number): void {
    this.#posted.set(href, status)
  }

  /** POSTs every action not yet exercised, with an empty JSON body; ending actions last. */
  async probeActions(): Promise<void> {
    const all = [...this.#actions.entries()].map(([key, a]) => ({ ...a, href: key.split('|')[2] as string }))
    const order = (rel: string) => ENDING.indexOf(rel)
    all.sort((a, b) => order(a.rel) - order(b.rel))
    for (const { client, rel, href } of all) {
      const status = this.#posted.get(href)
      if (status !== undefined) {
        if (isFailure(status)) this.failures.push(`${client.user}: ${rel} POST ${href} → ${status}`)
        continue
      }
      if (this.#isGone(href)) continue
      const res = await client.post(href)
      this.#posted.set(href, res.status)
      // Ending one conversation after another may end it for the last one in it too: a 404 from
      // an ending action counts only when no route takes the POST at all.
      if (res.status === 404 && ENDING.includes(rel) && (await routeExists(client, href))) continue
      if (isFailure(res.status)) this.#fail(client, rel, 'POST', href, res)
    }
  }
}

/**
 * Whether a POST route takes `href`, without touching the resource: the same path under an
 * application that does not exist answers `404 ApplicationNotFound` when a route matched (the
 * application check runs before its handler), and plain `ResourceNotFound` when none did.
 */
async function routeExists(client: Client, href: string): Promise<boolean> {
  const phantom = href.replace(/^(\/ucwa\/(?:oauth\/)?v1\/applications\/)\d+/, '$199999999999999')
  const res = await client.post(phantom)
  return res.status === 404 && res.json?.subcode === 'ApplicationNotFound'
}

/**
 * The client as the scenario uses it: every answer goes through the walker, and POSTs to
 * advertised actions count as their probe.
 */
function walked(walker: Walker, raw: Client): Client {
  const seen = async (res: HttpResponse) => {
    await walker.absorbResponse(raw, res)
    return res
  }
  return {
    ...raw,
    get: async (path, headers) => seen(await raw.get(path, headers)),
    post: async (path, body) => {
      const res = await raw.post(path, body)
      walker.notePost(path, res.status)
      return seen(res)
    },
    put: async (path, body, headers) => seen(await raw.put(path, body, headers)),
    del: async (path) => seen(await raw.del(path)),
    send: async (method, path, body, headers) => {
      const res = await raw.send(method, path, body, headers)
      if (method === 'POST') walker.notePost(path, res.status)
      return seen(res)
    },
    async events(timeout = 1) {
      const batch = await raw.events(timeout)
      await walker.absorbDocument(raw, batch)
      return batch
    },
  }
}

const sipOf = (user: UserName) => `sip:${ADDRESS[user]}`

/** The embedded resource of the first event in `batch` whose link has `rel`. */
const embedded = (batch: any, rel: string): any =>
  (batch.sender as any[]).flatMap((s) => s.events).find((e: any) => e.link.rel === rel && e._embedded)
    ?._embedded[rel]

/** Next batches of `c` until one holds an event with `rel` (and `type`); fails after 5 empty ones. */
async function until(c: Client, rel: string, type?: string): Promise<any> {
  for (let empty = 0; empty < 5; ) {
    const batch = await c.events(1)
    if (batch.sender.length === 0) empty++
    const hit = (batch.sender as any[])
      .flatMap((s) => s.events)
      .find((e: any) => e.link.rel === rel && (type === undefined || e.type === type))
    if (hit) return batch
  }
  assert.fail(`${c.user}: no ${rel} ${type ?? ''} event`)
}

/** Reads every queued event of each client, side by side (a P-GET that comes back empty ends it). */
async function drain(...clients: Client[]): Promise<void> {
  await Promise.all(
    clients.map(async (c) => {
      while ((await c.events(1)).sender.length > 0) {
        // each batch went through the walker
      }
    }),
  )
}

describe('every href Parley hands out answers', () => {
  let t: TestServer
  before(async () => {
    t = await startTestServer()
  })
  after(() => t.stop())

  it('walks the application, people, presence, messaging, history and events of three users', async () => {
    const w = new Walker()
    const open = async (user: UserName, endpoint?: string) => {
      const raw = await signedInApp(t, user, endpoint)
      const c = walked(w, raw)
      await w.absorbResponse(raw, raw.created)
      return c
    }
    // Lurkers first: me offers makeMeAvailable, callForwardingSettings, phones, photo.
    const alice = await open('alice')
    const bob = await open('bob')
    const carol = await open('carol')
    await alice.get(alice.self)

    await available(alice)
    await available(bob)
    const bob2 = await open('bob', 'bob-2')
    await available(bob2)
    await drain(alice, bob, bob2)
    await alice.get(alice.self)
    await bob.get(`${bob.self}/me`)

    // Contact list: bob in the default group, carol in a new one; alice's privacy for bob.
    const people = `${alice.self}/people`
    assert.equal((await alice.post(`${people}/groupMemberships?contactUri=${sipOf('bob')}`)).status, 201)
    assert.equal((await alice.post(`${people}/groups`, { displayName: 'Team' })).status, 204)
    const groups = await alice.get(`${people}/groups`)
    const team = groups.json._embedded.group.find((g: any) => g.name === 'Team')
    assert.ok(team, groups.text)
    const added = await alice.post(
      `${people}/groupMemberships?contactUri=${sipOf('carol')}&groupId=${team.id}`,
    )
    assert.equal(added.status, 201, added.text)
    const privacy = await alice.put(`${people}/${ADDRESS.bob}/privacyRelationship`, {
      relationshipLevel: 'Workgroup',
    })
    assert.equal(privacy.status, 204, privacy.text)
    await alice.get(`${people}/contacts`)
    await alice.get(`${people}/contacts?expand=false`)
    await alice.get(`${people}/groups?expand=false`)
    await alice.get(`${people}/groupMemberships`)
    await alice.get(`${people}/search?query=bob&limit=5`)
    await drain(alice)

    // A presence subscription to bob and carol; bob's changes reach alice (contact events) and
    // bob's other application (me events).
    const subscribed = await alice.post(`${people}/presenceSubscriptions`, {
      duration: 30,
      uris: [sipOf('bob'), sipOf('carol')],
    })
    assert.equal(subscribed.status, 201, subscribed.text)
    const subscription = subscribed.headers.get('location') ?? ''
    await alice.get(`${people}/presenceSubscriptionMemberships`)
    await drain(alice)
    assert.equal((await bob.post(`${bob.self}/me/note`, { message: 'Heads down' })).status, 204)
    assert.equal((await bob.post(`${bob.self}/me/location`, { location: 'Building 7' })).status, 204)
    assert.equal((await bob.post(`${bob.self}/me/presence`, { availability: 'Busy' })).status, 204)
    await drain(alice, bob, bob2)

    // Conversation 1: alice → bob, accepted, messages both ways, typing; then alice leaves it, so
    // both keep a conversation log.
    const started = await alice.post(`${alice.self}/communication/messagingInvitations`, {
      to: sipOf('bob'),
      subject: 'Plans',
      operationId: 'walk-1',
      _links: { message: { href: 'data:text/plain;charset=utf-8,Hello' } },
    })
    assert.equal(started.status, 201, started.text)
    const ringing = await until(bob, 'messagingInvitation', 'started')
    const invitation = embedded(ringing, 'messagingInvitation')
    await drain(bob2)
    assert.equal((await bob.post(invitation._links.accept.href)).status, 204)
    await drain(alice, bob, bob2)
    const mine = (await alice.get(started.headers.get('location') ?? '')).json
    const messaging = (await alice.get(mine._links.messaging.href)).json
    const sent = await alice.send('POST', messaging._links.sendMessage.href, 'first', {
      'content-type': 'text/plain',
    })
    assert.equal(sent.status, 201, sent.text)
    assert.equal((await alice.post(messaging._links.setIsTyping.href)).status, 204)
    const theirs = (await bob.get(invitation._links.messaging.href)).json
    const reply = await bob.send('POST', theirs._links.sendMessage.href, 'reply', {
      'content-type': 'text/plain',
    })
    assert.equal(reply.status, 201, reply.text)
    await drain(alice, bob)
    await alice.get(`${alice.self}/communication/conversations`)
    assert.equal((await alice.post(messaging._links.stopMessaging.href)).status, 204)
    await drain(alice, bob)
    // Its invitations, read again now that it is over: alice left it (her copy links nothing of it
    // any more), bob keeps it ended, bob's phone saw it answered elsewhere.
    await alice.get(started.headers.get('location') ?? '')
    await bob.get(invitation._links.self.href)
    await bob2.get(invitation._links.self.href.replace(bob.self, bob2.self))

    // Missed: carol is signed in but not available, so alice's IM to her is missed. The
    // invitation fails at once; its Location is walked at once, and every link it keeps answers
    // (alice keeps the conversation, ended).
    const missed = await alice.post(`${alice.self}/communication/messagingInvitations`, {
      to: sipOf('carol'),
      _links: { message: { href: 'data:text/plain;charset=utf-8,Are+you+there' } },
    })
    assert.equal(missed.status, 201, missed.text)
    await drain(alice, carol)

    // Declined: bob turns alice down. Her invitation and bob's copies on both endpoints stay
    // readable, and every link they keep answers.
    const declined = await alice.post(`${alice.self}/communication/messagingInvitations`, {
      to: sipOf('bob'),
      _links: { message: { href: 'data:text/plain;charset=utf-8,Coffee%3F' } },
    })
    assert.equal(declined.status, 201, declined.text)
    const toDecline = embedded(await until(bob, 'messagingInvitation', 'started'), 'messagingInvitation')
    assert.equal((await bob.post(toDecline._links.decline.href)).status, 204)
    await drain(alice, bob, bob2)
    await alice.get(declined.headers.get('location') ?? '')
    await bob.get(toDecline._links.self.href)
    await bob2.get(toDecline._links.self.href.replace(bob.self, bob2.self))
    await carol.get(`${carol.self}/communication/missedItems`)
    await carol.get(`${carol.self}/communication/conversationLogs`)
    await alice.get(`${alice.self}/communication/conversationLogs`)
    await bob.get(`${bob.self}/communication/conversationLogs`)

    // Conversation 2: alice → bob, escalated to carol (addParticipant); kept open.
    await available(carol)
    await drain(carol)
    const second = await alice.post(`${alice.self}/communication/messagingInvitations`, {
      to: sipOf('bob'),
      subject: 'Escalation',
    })
    assert.equal(second.status, 201, second.text)
    const ringing2 = await until(bob, 'messagingInvitation', 'started')
    assert.equal((await bob.post(embedded(ringing2, 'messagingInvitation')._links.accept.href)).status, 204)
    await drain(alice, bob, bob2)
    const conversation = (
      await alice.get((await alice.get(second.headers.get('location') ?? '')).json._links.conversation.href)
    ).json
    const invited = await alice.post(conversation._links.addParticipant.href, { to: sipOf('carol') })
    assert.equal(invited.status, 201, invited.text)
    const ringing3 = await until(carol, 'messagingInvitation', 'started')
    assert.equal((await carol.post(embedded(ringing3, 'messagingInvitation')._links.accept.href)).status, 204)
    await drain(alice, bob, carol)
    const messaging2 = (await alice.get(conversation._links.messaging.href)).json
    const three = await alice.send('POST', messaging2._links.sendMessage.href, 'all three', {
      'content-type': 'text/plain',
    })
    assert.equal(three.status, 201, three.text)
    assert.equal((await alice.post(messaging2._links.setIsTyping.href)).status, 204)
    await drain(alice, bob, carol)
    await alice.get(`${conversation._links.self.href}/participants`)

    // Privacy and contact-list changes announce themselves; the subscription ends last.
    await alice.put(`${people}/${ADDRESS.carol}/privacyRelationship`, {
      relationshipLevel: 'FriendsAndFamily',
    })
    assert.equal((await alice.del(subscription)).status, 204)
    await drain(alice, bob, bob2, carol)

    await w.probeActions()

    // The walk went everywhere it should (so a scenario that silently stops producing cannot pass).
    for (const rel of [
      'application',
      'me',
      'presence',
      'note',
      'location',
      'phones',
      'phone',
      'callForwardingSettings',
      'unansweredCallSettings',
      'people',
      'myContacts',
      'myGroups',
      'defaultGroup',
      'group',
      'groupContacts',
      'myGroupMemberships',
      'myPrivacyRelationships',
      'myContactsAndGroupsSubscription',
      'contact',
      'contactPresence',
      'contactNote',
      'contactLocation',
      'contactSupportedModalities',
      'contactPrivacyRelationship',
      'contactPhoto',
      'photo',
      'presenceSubscription',
      'subscribedContacts',
      'communication',
      'conversation',
      'messaging',
      'participant',
      'messagingInvitation',
      'participantInvitation',
      'missedItems',
      'conversationLogs',
      'conversationLog',
      'conversationLogTranscripts',
      'Location',
    ]) {
      assert.ok(w.resourceRels.has(rel), `the walk never met a ${rel} link`)
    }
    for (const rel of [
      'makeMeAvailable',
      'reportMyActivity',
      'startMessaging',
      'accept',
      'sendMessage',
      'setIsTyping',
      'stopMessaging',
      'addParticipant',
      'markAsRead',
      'resetContactPrivacyRelationship',
      'removeContactFromAllGroups',
      'addToPresenceSubscription',
      'startOrRefreshSubscriptionToContactsAndGroups',
    ]) {
      assert.ok(w.actionRels.has(rel), `the walk never met a ${rel} action`)
    }
    assert.deepEqual(w.failures, [], `hrefs that do not answer:\n${w.failures.join('\n')}`)
  })
})
