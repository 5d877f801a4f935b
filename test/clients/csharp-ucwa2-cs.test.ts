// kenakamu/UCWA2.0-CS (UCWASDK/UCWASDK/Services/HttpService.cs, UCWAClient.cs, Models/Me.cs,
// Models/Communication.cs, Models/UCWAModelBase.cs), driven the way its HttpService drives a
// server: HttpClient with `X-MS-RequiresMinResourceVersion: 2.0` on every request and no Accept
// header, every GET body parsed as a JSON object (JObject.Parse) and scanned for the "please pass
// this in a PUT request" value, POST bodies serialised from its models (nulls kept, enums as
// strings, `_links` kept only on a MessagingInvitation so the first message rides along as a
// base64 data URI), PUTs of the whole model with the GUID property added and a quoted If-Match,
// the 201's Location read as the new resource, and an event loop whose HttpClient gives up after
// 100 s and simply repeats the same events URL. Its sample console (TestClient/UCWASample.cs)
// signs in with phoneNumber "" and reads or updates me, notes, locations and contacts through
// the SDK's models. The SDK gets its token from Azure AD; the password grant stands in for it.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { dataText, next } from '../helpers/messaging.ts'
import { PASSWORDS, signIn } from '../helpers/server.ts'
import type { Client } from '../helpers/ucwa-client.ts'
import { send, type Wire } from './helpers/wire.ts'
import { guid, startWorldWithBob, type World } from './helpers/world.ts'

const PUT_VALUE = 'please pass this in a PUT request'

describe('C# SDK kenakamu/UCWA2.0-CS', () => {
  let w: World
  let host: string
  let bob: Client
  before(async () => {
    ;({ w, bob } = await startWorldWithBob())
    host = w.origin('pool01.example.test')
  })
  after(() => w?.stop())

  /** HttpService.GetClient(): one HttpClient per host with the version header and the token. */
  function http(token: string, method: string, uri: string, content?: { type: string; body: string }) {
    const headers: Array<[string, string]> = [
      ['X-MS-RequiresMinResourceVersion', '2.0'],
      ['Authorization', `Bearer ${token}`],
    ]
    if (content) headers.push(['Content-Type', content.type])
    return send(w.dns, uri.startsWith('http') ? uri : host + uri, { method, headers, body: content?.body })
  }

  /** HttpService.Get<T>(): success status, then JObject.Parse of the body and GetPGuid(). */
  async function get(token: string, uri: string): Promise<any> {
    const res = await http(token, 'GET', uri)
    assert.ok(res.status >= 200 && res.status < 300, `GET ${uri}: ${res.status} ${res.text}`)
    assert.ok(
      res.json !== null && typeof res.json === 'object' && !Array.isArray(res.json),
      `GET ${uri}: not a JSON object`,
    )
    return res.json
  }

  /** GetPGuid(): the name of the property whose value is the PUT marker, here or in _embedded. */
  function pGuid(resource: any): string | undefined {
    return Object.entries(resource).find(([, v]) => v === PUT_VALUE)?.[0]
  }

  /** HttpService.Post(uri, JObject): JSON with Newtonsoft's defaults — null values written out. */
  function post(token: string, uri: string, body: unknown): Promise<Wire> {
    return http(token, 'POST', uri, { type: 'application/json; charset=utf-8', body: JSON.stringify(body) })
  }

  async function application(): Promise<{ token: string; app: any }> {
    const token = await signIn(w.t.internal, 'pool01.example.test', 'alice@example.test', PASSWORDS.alice)
    const created = await http(token, 'POST', '/ucwa/oauth/v1/applications', {
      type: 'application/json; charset=utf-8',
      body: JSON.stringify({ culture: 'en-US', endpointId: guid(), userAgent: 'UCWA2.0-CS' }),
    })
    assert.equal(created.status, 201, created.text)
    return { token, app: created.json }
  }

  /** UCWAClient.SignIn(): Me.MakeMeAvailable(), then application.Get(). */
  async function signedIn(phoneNumber: string | null = null): Promise<{ token: string; app: any }> {
    const { token, app } = await application()
    // Me.MakeMeAvailable(): a JObject with PascalCase keys and the phoneNumber it was given
    // (UCWASample.Signin passes "").
    const mma = await post(token, app._embedded.me._links.makeMeAvailable.href, {
      SupportedModalities: ['Messaging'],
      SupportedMessageFormats: phoneNumber === '' ? ['Plain'] : ['Plain', 'Html'],
      SignInAs: 'Online',
      phoneNumber,
    })
    assert.equal(mma.status, 204, mma.text)
    return { token, app: await get(token, app._links.self.href) }
  }

  it('makes itself available with SignInAs and phoneNumber null, re-reads the application, keeps alive with an empty POST', async () => {
    const { token, app } = await signedIn()
    assert.ok(app._embedded.me._links.reportMyActivity, 'no reportMyActivity link after makeMeAvailable')
    // Me.ReportMyActivity(): Post(link, "") → no content at all.
    const activity = await http(token, 'POST', app._embedded.me._links.reportMyActivity.href)
    assert.equal(activity.status, 204, activity.text)
  })

  it('signs in as its sample console does: phoneNumber "" and Plain only', async () => {
    const { app } = await signedIn('')
    assert.deepEqual(app._embedded.communication.supportedMessageFormats, ['Plain'])
  })

  it('updates presence, note and location by POSTing its models back with their base properties', async () => {
    const { token, app } = await signedIn('')
    const me = await get(token, app._embedded.me._links.self.href)
    // UCWAModelBase adds href, title, rel, etag and PGuid to every model it serialises.
    const base = (rel: string) => ({ href: null, title: null, rel, etag: null, PGuid: null })
    const updates: Array<[string, Record<string, unknown>]> = [
      [me._links.presence.href, { availability: 'Busy', ...base('presence') }],
      [me._links.note.href, { message: 'In the lab until 3', ...base('note') }],
      [me._links.location.href, { location: 'Building 7', ...base('location') }],
    ]
    for (const [href, body] of updates) {
      const res = await post(token, href, body)
      assert.equal(res.status, 204, `POST ${href}: ${res.status} ${res.text}`)
    }
    assert.equal((await get(token, me._links.presence.href)).availability, 'Busy')
    assert.equal((await get(token, me._links.note.href)).message, 'In the lab until 3')
    assert.equal((await get(token, me._links.location.href)).location, 'Building 7')
  })

  it('shows a contact as its sample does: search, then location, note, photo bytes and presence', async () => {
    const { token, app } = await signedIn('')
    const search = await get(
      token,
      `${app._embedded.people._links.search.href}?query=${encodeURIComponent('sip:bob@example.test')}`,
    )
    const contact = search._embedded.contact[0]
    assert.equal(contact.uri, 'sip:bob@example.test')
    await get(token, contact._links.contactLocation.href)
    await get(token, contact._links.contactNote.href)
    const photo = await http(token, 'GET', contact._links.contactPhoto.href)
    assert.equal(photo.status, 200)
    assert.ok(photo.body.length > 0)
    assert.equal((await get(token, contact._links.contactPresence.href)).availability, 'Online')
  })

  it('signs out with DELETE on the application; its next call answers 404 ApplicationNotFound', async () => {
    const { token, app } = await signedIn('')
    const res = await http(token, 'DELETE', app._links.self.href)
    assert.equal(res.status, 204, res.text)
    const after = await http(token, 'GET', app._embedded.me._links.self.href)
    assert.equal(after.status, 404)
    assert.equal(after.json?.subcode, 'ApplicationNotFound')
  })

  it('reads every link of me as a JSON object: presence, note, location, phones, callForwardingSettings', async () => {
    const { token, app } = await signedIn()
    const me = await get(token, app._embedded.me._links.self.href)
    const links = me._links
    assert.equal((await get(token, links.presence.href)).availability, 'Online')
    // Models Note / Location read `message` and `location`.
    assert.ok('message' in (await get(token, links.note.href)), 'note without message')
    assert.ok('location' in (await get(token, links.location.href)), 'location without location')
    await get(token, links.phones.href)
    await get(token, links.callForwardingSettings.href)
  })

  // People.GetMyContacts / GetMyGroups / GetMyGroupMemberships / GetSubscribedContacts /
  // GetPresenceSubscriptions, Communication.GetConversations / GetMissedItems /
  // GetConversationLogs, OnlineMeetings: HttpService.Get<T>() on each link its models read.
  it('GETs every hub link its models follow as a JSON object (a link offered must answer)', async () => {
    const { token, app } = await signedIn('')
    const getOnly = new Set([
      'self',
      'presenceSubscriptions',
      'subscribedContacts',
      'presenceSubscriptionMemberships',
      'myGroups',
      'myGroupMemberships',
      'myContacts',
      'myPrivacyRelationships',
      'myContactsAndGroupsSubscription',
      'conversations',
      'missedItems',
      'conversationLogs',
      'myOnlineMeetings',
      'onlineMeetingDefaultValues',
      'onlineMeetingEligibleValues',
      'onlineMeetingInvitationCustomization',
      'onlineMeetingPolicies',
      'phoneDialInInformation',
      'myAssignedOnlineMeeting',
    ])
    for (const hub of ['people', 'communication', 'onlineMeetings']) {
      for (const [rel, link] of Object.entries<any>(app._embedded[hub]._links)) {
        if (getOnly.has(rel)) await get(token, link.href)
      }
    }
  })

  it('PUTs communication back whole: nulls, PGuid, href/title, the GUID property and a quoted If-Match', async () => {
    const { token, app } = await signedIn()
    const communication = await get(token, app._embedded.communication._links.self.href)
    const name = pGuid(communication)
    assert.ok(name, 'no "please pass this in a PUT request" property on communication')
    // Communication.Update() → HttpService.Put(): JObject.FromObject(model) keeps nulls, drops
    // _links and _embedded, adds the GUID property; If-Match is the etag in quotes.
    const body = {
      conversationHistory: communication.conversationHistory ?? null,
      phoneNumber: communication.phoneNumber ?? null,
      supportedModalities: communication.supportedModalities,
      supportedMessageFormats: communication.supportedMessageFormats,
      rel: communication.rel,
      etag: communication.etag,
      PGuid: name,
      href: null,
      title: null,
      [name]: PUT_VALUE,
    }
    const res = await send(w.dns, host + communication._links.self.href, {
      method: 'PUT',
      headers: [
        ['X-MS-RequiresMinResourceVersion', '2.0'],
        ['Authorization', `Bearer ${token}`],
        ['If-Match', `"${communication.etag}"`],
        ['Content-Type', 'application/json; charset=utf-8'],
      ],
      body: JSON.stringify(body),
    })
    assert.ok(res.status >= 200 && res.status < 300, `PUT communication: ${res.status} ${res.text}`)
  })

  it('starts messaging with the first message as a base64 data URI and a GUID threadId; follows the Location', async () => {
    const { token, app } = await signedIn()
    // Communication.StartMessaging(): a MessagingInvitation model; HttpService keeps its _links.
    const res = await post(token, app._embedded.communication._links.startMessaging.href, {
      _links: {
        message: {
          href: `data:text/plain;base64,${Buffer.from('Déploiement terminé ✓').toString('base64')}`,
        },
      },
      to: 'sip:bob@example.test',
      subject: 'Release',
      importance: 'Normal',
      operationId: guid(),
      threadId: guid(),
      rel: null,
      etag: null,
      PGuid: null,
      href: null,
      title: null,
    })
    assert.equal(res.status, 201, res.text)
    const location = res.any('Location')[0]
    assert.ok(location, 'HttpService.Post() returns response.Headers.Location: none was sent')
    await get(token, location)
    const invitation = (await next(bob)).find((e) => e.link.rel === 'messagingInvitation')?._embedded
      ?.messagingInvitation
    assert.equal(dataText(invitation?._links.message?.href ?? ''), 'Déploiement terminé ✓')
  })

  it('repeats the same events URL after its HttpClient gives up, and nothing is lost', async () => {
    const { token, app } = await signedIn()
    let eventUri: string = app._links.events.href
    // UCWAClient.GetEvent(): next from each batch (drained here with a short hold: test setup).
    for (;;) {
      const batch = await get(token, `${eventUri}&timeout=1`)
      eventUri = batch._links.next.href
      if (batch.sender.length === 0) break
    }
    // The P-GET is abandoned by the client (TaskCanceledException at 100 s); the next event then
    // happens while no P-GET is parked; the SDK repeats the very same URL.
    const abandoned = await send(w.dns, host + eventUri, {
      headers: [
        ['X-MS-RequiresMinResourceVersion', '2.0'],
        ['Authorization', `Bearer ${token}`],
      ],
      abortAfterSend: true,
    })
    assert.equal(abandoned.status, 0, 'the P-GET was answered before the client abandoned it')
    const presence = await post(
      token,
      app._embedded.me._links.presence?.href ?? `${app._links.self.href}/me/presence`,
      {
        availability: 'Busy',
      },
    )
    assert.equal(presence.status, 204, presence.text)
    const repeated = await http(token, 'GET', eventUri)
    assert.equal(repeated.status, 200, repeated.text)
    const rels = repeated.json.sender.flatMap((s: any) => s.events.map((e: any) => e.link.rel))
    assert.ok(rels.includes('presence'), `the presence change was lost: ${JSON.stringify(repeated.json)}`)
  })

  it('follows a resync link when its ack is out of range', async () => {
    const { token, app } = await signedIn()
    const stale = await get(token, app._links.events.href.replace(/ack=\d+$/, 'ack=999'))
    assert.ok(stale._links.resync, `no resync for an ack from the future: ${JSON.stringify(stale)}`)
    const resynced = await get(token, `${stale._links.resync.href}&timeout=1`)
    assert.match(resynced._links.next.href, /\/events\?ack=\d+$/)
  })
})
