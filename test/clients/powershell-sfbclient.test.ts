// The PowerShell module danielboth/SkypeForBusinessClient (New-SfBClientContext.ps1,
// Get-SfbClientEvent.ps1, Set-SfbClientPresence.ps1, Send-SfbClientChatMessage.ps1,
// Get-SfbClientContact.ps1, Get-SfbClientContactPresence.ps1, Add-SfbClientGroupMember.ps1),
// driven the way Windows PowerShell 5.1's Invoke-RestMethod drives a server: https to
// lyncdiscoverinternal.<domain>, the origin of the root's `self` link taken as the origin of
// everything (the token endpoint hard-coded under it), `-ContentType application/json` on GETs,
// ConvertTo-Json's indented bodies, `&timeout=180` appended to the events href and the ack read
// with `([0-9]*)$`, senders read from the last path segment of the participant link, message
// text from the second comma-separated field of the data URI, `\/Date(…)\/` timestamps that
// JavaScriptSerializer turns into DateTime (.ToLocalTime() fails on anything else and stops the
// event runspace), and hrefs the module builds itself (`me/presence`, `<application>/
// reportMyActivity`, `people/groupmemberships`).
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { acceptIncoming, next, say } from '../helpers/messaging.ts'
import { PASSWORDS } from '../helpers/server.ts'
import type { Client } from '../helpers/ucwa-client.ts'
import { send, type Wire } from './helpers/wire.ts'
import { startWorldWithBob, type World } from './helpers/world.ts'

const USER_AGENT = 'Mozilla/5.0 (Windows NT; Windows NT 10.0; en-US) WindowsPowerShell/5.1.17763.1'

/** ConvertTo-Json of a hashtable in Windows PowerShell 5.1: CRLF, four spaces, `":  "`. */
function convertToJson(value: Record<string, unknown>): string {
  const lines = Object.entries(value).map(([k, v]) => {
    const json = Array.isArray(v)
      ? `[\r\n                        ${v.map((x) => JSON.stringify(x)).join(',\r\n                        ')}\r\n                    ]`
      : JSON.stringify(v)
    return `    ${JSON.stringify(k)}:  ${json}`
  })
  return `{\r\n${lines.join(',\r\n')}\r\n}`
}

/** The module's $SkypeForBusinessClientModuleContext. */
interface Context {
  rootUri: string
  authHeader: string
  application: any
  applicationUri: string
  next: string
  conversations: Map<string, string>
}

describe('PowerShell module danielboth/SkypeForBusinessClient', () => {
  let w: World
  let bob: Client
  before(async () => {
    ;({ w, bob } = await startWorldWithBob())
  })
  after(() => w?.stop())

  /** Invoke-RestMethod: no Accept; -ContentType on every call of the module (GETs included). */
  function invoke(
    uri: string,
    options: { method?: string; headers?: Record<string, string>; contentType?: string; body?: string } = {},
  ): Promise<Wire> {
    const headers: Array<[string, string]> = [['User-Agent', USER_AGENT]]
    for (const [k, v] of Object.entries(options.headers ?? {})) headers.push([k, v])
    if (options.contentType) headers.push(['Content-Type', options.contentType])
    if (options.body !== undefined) headers.push(['Expect', '100-continue'])
    return send(w.dns, uri, { method: options.method ?? 'GET', headers, body: options.body })
  }

  /** Invoke-RestMethod throws on anything but 2xx: the module's Try/Catch sees it. */
  function ok(res: Wire, what: string): any {
    assert.ok(res.status >= 200 && res.status < 300, `${what}: ${res.status} ${res.text}`)
    return res.json
  }

  /** The PathAndQuery-stripping origin of a URI. */
  const origin = (uri: string) => new URL(uri).origin

  // New-SfBClientContext: discovery, token at "$rootUri/WebTicket/oauthtoken", user, application.
  // The EndpointId is a fixed GUID plus $env:USERNAME: the same Windows account gets the same
  // application back, so each test runs as another Windows account.
  let windowsAccounts = 0
  async function newContext(): Promise<Context> {
    const windowsUser = `ws${++windowsAccounts}-alice`
    const json = 'application/json'
    const discovery = ok(
      await invoke('https://lyncdiscoverinternal.example.test', { contentType: json }),
      'discovery',
    )
    const rootUri = origin(discovery._links.self.href)
    // The module asks for urn:microsoft.rtc:windows with -Credential (NTLM); Parley offers the
    // password grant only (its own test below), so the context is built on that grant here.
    const token = ok(
      await invoke(`${rootUri}/WebTicket/oauthtoken`, {
        method: 'POST',
        contentType: 'application/x-www-form-urlencoded;charset=UTF-8',
        body: new URLSearchParams({
          grant_type: 'password',
          username: 'alice@example.test',
          password: PASSWORDS.alice,
        }).toString(),
      }),
      'token',
    )
    const authHeader = `${token.token_type} ${token.access_token}`
    const user = ok(
      await invoke(discovery._links.user.href, { headers: { Authorization: authHeader }, contentType: json }),
      'user',
    )
    const applications = new URL(user._links.applications.href)
    const appUri = rootUri + applications.pathname + applications.search
    const application = ok(
      await invoke(appUri, {
        method: 'POST',
        headers: { Authorization: authHeader },
        contentType: json,
        body: convertToJson({
          EndpointId: `17ed5d75-40ce-400d-acdf-5a7f6f26af3b-${windowsUser}`,
          UserAgent: 'SkypeUcwa/PowerShell',
          Culture: 'en-US',
        }),
      }),
      'application',
    )
    return {
      rootUri,
      authHeader,
      application,
      applicationUri: rootUri + application._links.self.href,
      next: application._links.events.href,
      conversations: new Map(),
    }
  }

  /** Get-SfBClientEvent: rootUri + next, the ack from ([0-9]*)$, then "&timeout=$TimeOut". */
  async function getEvent(ctx: Context, timeout = 180): Promise<{ raw: Wire; batch: any }> {
    const eventUri = ctx.rootUri + ctx.next
    assert.match(eventUri, /[0-9]+$/, 'the events href does not end with its ack')
    const raw = await invoke(`${eventUri}&timeout=${timeout}`, {
      headers: { Authorization: ctx.authHeader },
      contentType: 'application/json',
    })
    const batch = ok(raw, 'events')
    ctx.next = batch._links.next.href
    return { raw, batch }
  }

  /** Test setup: drain with a 1 s hold (the module's minimum is 180). */
  async function drain(ctx: Context): Promise<void> {
    while ((await getEvent(ctx, 1)).batch.sender.length > 0) {
      // queued events
    }
  }

  // Set-SfbClientPresence -Availability Online: GET me/presence → MakeMeAvailableRequired →
  // makeMeAvailable, then the reportMyActivity runspace and a GET of the application.
  async function setOnline(ctx: Context): Promise<void> {
    const rest = { headers: { Authorization: ctx.authHeader }, contentType: 'application/json' }
    const presenceUri = `${ctx.rootUri}${ctx.application._embedded.me._links.self.href}/presence`
    const before = await invoke(presenceUri, rest)
    assert.equal(before.json?.subcode, 'MakeMeAvailableRequired', before.text)
    const mma = await invoke(ctx.rootUri + ctx.application._embedded.me._links.makeMeAvailable.href, {
      ...rest,
      method: 'POST',
      body: convertToJson({
        signInAs: 'Online',
        supportedMessageFormat: 'Plain',
        supportedModalities: ['Messaging'],
      }),
    })
    ok(mma, 'makeMeAvailable')
    const activity = await invoke(`${ctx.applicationUri}/reportMyActivity`, {
      method: 'POST',
      headers: { Authorization: ctx.authHeader },
    })
    ok(activity, 'reportMyActivity')
    ok(await invoke(ctx.applicationUri, rest), 'application')
  }

  /** The event runspace's reading of incoming messages. */
  function incomingMessages(raw: Wire, batch: any) {
    return batch.sender
      .flatMap((s: any) => s.events)
      .filter((e: any) => e.link.rel === 'message' && e._embedded?.message?.direction === 'Incoming')
      .map((e: any) => {
        const message = e._embedded.message
        // ConvertFrom-Json makes a DateTime only of the escaped "\/Date(n)\/" form.
        assert.ok(
          raw.text.includes(`"timeStamp":"\\/Date(`),
          `timeStamp is not "\\/Date(…)\\/" on the wire: ${JSON.stringify(message.timeStamp)}`,
        )
        return {
          conversationId: message._links.messaging.href,
          from: message._links.participant.title,
          sipAddress: `sip:${message._links.participant.href.split('/').at(-1)}`,
          plainMessage: decodeURIComponent(
            message._links.plainMessage.href.split(',')[1].replace(/\+/g, ' '),
          ),
        }
      })
  }

  /** The event runspace's auto-accept: Incoming, not completed, with an accept link. */
  async function autoAccept(ctx: Context, batch: any): Promise<string[]> {
    const accepted: string[] = []
    for (const e of batch.sender.flatMap((s: any) => s.events)) {
      const invitation = e._embedded?.messagingInvitation
      if (e.link.rel !== 'messagingInvitation' || invitation?.direction !== 'Incoming') continue
      if (e.type === 'completed' || !invitation._links.accept?.href) continue
      ok(
        await invoke(ctx.rootUri + invitation._links.accept.href, {
          method: 'POST',
          headers: { Authorization: ctx.authHeader },
          contentType: 'application/json',
        }),
        'accept',
      )
      ctx.conversations.set(invitation._embedded.from.uri, ctx.rootUri + invitation._links.messaging.href)
      accepted.push(invitation._embedded.from.uri)
    }
    return accepted
  }

  /** Send-SfbClientChatMessage to a known conversation: GET it, POST `message` to its sendMessage link. */
  async function sendChatMessage(ctx: Context, conversationUri: string, message: string): Promise<Wire> {
    const conversation = ok(
      await invoke(conversationUri, {
        headers: { Authorization: ctx.authHeader },
        contentType: 'application/json',
      }),
      'messaging',
    )
    return invoke(ctx.rootUri + conversation._links.sendMessage.href, {
      method: 'POST',
      headers: { Authorization: ctx.authHeader },
      contentType: 'text/plain;charset=UTF-8',
      body: message,
    })
  }

  /** bob invites alice and the event runspace auto-accepts; returns bob's messaging href. */
  async function invitedByBob(ctx: Context, operationId: string): Promise<string> {
    const invited = await bob.post(`${bob.self}/communication/messagingInvitations`, {
      to: 'sip:alice@example.test',
      operationId,
    })
    assert.deepEqual(await autoAccept(ctx, (await getEvent(ctx)).batch), ['sip:bob@example.test'])
    await drain(ctx)
    await next(bob)
    return (await bob.get(invited.headers.get('location') ?? '')).json._links.messaging.href
  }

  it('is refused its urn:microsoft.rtc:windows grant with an OAuth error, not a server error', async () => {
    const discovery = ok(
      await invoke('https://lyncdiscoverinternal.example.test', { contentType: 'application/json' }),
      'discovery',
    )
    const res = await invoke(`${origin(discovery._links.self.href)}/WebTicket/oauthtoken`, {
      method: 'POST',
      contentType: 'application/x-www-form-urlencoded;charset=UTF-8',
      body: 'grant_type=urn%3Amicrosoft.rtc%3Awindows',
    })
    assert.equal(res.status, 400, res.text)
    assert.equal(res.json?.error, 'unsupported_grant_type')
  })

  it('builds its context on the origin of the root self link with an indented PascalCase application body', async () => {
    const ctx = await newContext()
    assert.match(ctx.rootUri, /^https:\/\/pool01\.example\.test:\d+$/)
    assert.match(ctx.next, /\/events\?ack=1$/)
  })

  it('sets presence: MakeMeAvailableRequired first, makeMeAvailable with supportedMessageFormat, then Busy', async () => {
    const ctx = await newContext()
    await setOnline(ctx)
    const presenceUri = `${ctx.rootUri}${ctx.application._embedded.me._links.self.href}/presence`
    const rest = { headers: { Authorization: ctx.authHeader }, contentType: 'application/json' }
    ok(
      await invoke(presenceUri, { ...rest, method: 'POST', body: convertToJson({ availability: 'Busy' }) }),
      'presence',
    )
    assert.equal(ok(await invoke(presenceUri, rest), 'presence').availability, 'Busy')
  })

  it('auto-accepts, reads sender, title, \\/Date\\/ timestamp and comma-split text, and answers on the stored conversation', async () => {
    const ctx = await newContext()
    await setOnline(ctx)
    await drain(ctx)
    const messaging = await invitedByBob(ctx, 'ps-1')
    const bobSide = {
      client: bob,
      conversation: '',
      messaging,
      sendMessage: `${messaging}/messages`,
      invitation: '',
    }
    assert.equal((await say(bobSide, 'Restart the service, please: 100% sure?')).status, 201)

    const { raw, batch } = await getEvent(ctx)
    assert.deepEqual(incomingMessages(raw, batch), [
      {
        conversationId: new URL(ctx.conversations.get('sip:bob@example.test') ?? '').pathname,
        from: 'Bob Baker',
        sipAddress: 'sip:bob@example.test',
        plainMessage: 'Restart the service, please: 100% sure?',
      },
    ])

    // Send-SfbClientChatMessage to the conversation the runspace stored for bob.
    const sent = await sendChatMessage(ctx, ctx.conversations.get('sip:bob@example.test') ?? '', 'Done.')
    assert.equal(sent.status, 201, sent.text)
  })

  it('sees a messaging event with reason.subcode Ended when the other side stops messaging', async () => {
    const ctx = await newContext()
    await setOnline(ctx)
    await drain(ctx)
    const messaging = await invitedByBob(ctx, 'ps-2')
    assert.equal((await bob.post(`${messaging}/terminate`)).status, 204)
    const events = (await getEvent(ctx)).batch.sender.flatMap((s: any) => s.events)
    assert.ok(
      events.some((e: any) => e.link.rel === 'messaging' && e.reason?.subcode === 'Ended'),
      `no messaging event with reason.subcode Ended: ${JSON.stringify(events)}`,
    )
  })

  it('starts a chat with the communication GUID as operationId and finds sendMessage in a later event', async () => {
    const ctx = await newContext()
    await setOnline(ctx)
    await drain(ctx)
    const communication = ctx.application._embedded.communication
    const operationId = Object.keys(communication).find((k) =>
      String(communication[k]).startsWith('please pass this'),
    )
    const started = await invoke(ctx.rootUri + communication._links.startMessaging.href, {
      method: 'POST',
      headers: { Authorization: ctx.authHeader },
      contentType: 'application/json',
      body: convertToJson({ operationId, to: 'sip:bob@example.test' }),
    })
    assert.equal(started.status, 201, started.text)
    await acceptIncoming(bob)
    // Start-SfbClientChatMessaging: an event whose _embedded.messaging has a sendMessage link;
    // conversationUri = that href without /messages.
    let sendMessage: string | undefined
    for (let i = 0; i < 5 && !sendMessage; i++) {
      const { batch } = await getEvent(ctx, 1)
      sendMessage = batch.sender
        .flatMap((s: any) => s.events)
        .map((e: any) => e._embedded?.messaging?._links?.sendMessage?.href)
        .find(Boolean)
    }
    assert.ok(sendMessage, 'no event embedded a messaging with a sendMessage link')
    const conversationUri = ctx.rootUri + sendMessage.replace(/\/messages$/, '')
    const sent = await sendChatMessage(ctx, conversationUri, 'Good morning')
    assert.equal(sent.status, 201, sent.text)
  })

  it('finds a contact by name with ?limit=10&query=, reads it and its presence', async () => {
    const ctx = await newContext()
    const rest = { headers: { Authorization: ctx.authHeader }, contentType: 'application/json' }
    const search = ok(
      await invoke(
        `${ctx.rootUri}${ctx.application._embedded.people._links.search.href}?limit=10&query=Bob%20Baker`,
        rest,
      ),
      'search',
    )
    assert.equal(search.moreResultsAvailable, false)
    const contact = ok(
      await invoke(ctx.rootUri + search._embedded.contact[0]._links.self.href, rest),
      'contact',
    )
    assert.equal(contact.uri, 'sip:bob@example.test')
    const presence = ok(
      await invoke(ctx.rootUri + contact._links.contactPresence.href, rest),
      'contactPresence',
    )
    assert.equal(presence.availability, 'Online')
  })

  it('adds a contact on <application>/people/groupmemberships?contactUri= (its own lower-case path)', async () => {
    const ctx = await newContext()
    const res = await invoke(
      `${ctx.applicationUri}/people/groupmemberships?contactUri=${encodeURIComponent('sip:bob@example.test')}`,
      { method: 'POST', headers: { Authorization: ctx.authHeader }, contentType: 'application/json' },
    )
    ok(res, 'groupmemberships')
  })
})
