// The Skype for Business Online console and bot in C#: tamhinsf/ucwa-sfbo-console
// (UcwaSfboConsole/UcwaSfbo/UcwaAutodiscovery.cs, UcwaApplications.cs, UcwaPresence.cs) and the
// bot built on it, ankitbko/ucwa-bot (SFBBot-UCWA/UcwaSfbo/UcwaReciveMessage.cs,
// UcwaSendMessage.cs). Both use HttpClient with Newtonsoft: `Accept: application/json` (the bot
// switches to the XML media type for its startMessaging POST), the user resource's `redirect`
// followed by appending "/oauth/user" to it, conversation ids and sender addresses taken from the
// last path segment of hrefs, replies POSTed to `<messaging>/messages?OperationContext=<GUID>`,
// and exact string compares on rels. They get their tokens from Azure AD; the password grant
// stands in for it.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { acceptIncoming, dataText, next, say, startMessaging } from '../helpers/messaging.ts'
import { PASSWORDS, signIn } from '../helpers/server.ts'
import type { Client } from '../helpers/ucwa-client.ts'
import { send, type Wire } from './helpers/wire.ts'
import { guid, startWorldWithBob, type World } from './helpers/world.ts'

describe('C# SfB Online samples tamhinsf/ucwa-sfbo-console and ankitbko/ucwa-bot', () => {
  let w: World
  let bob: Client
  before(async () => {
    ;({ w, bob } = await startWorldWithBob())
  })
  after(() => w?.stop())

  /** HttpClient with DefaultRequestHeaders Authorization and Accept (application/json unless said). */
  function client(
    token: string | undefined,
    method: string,
    uri: string,
    options: { accept?: string; content?: [string, string] } = {},
  ) {
    const headers: Array<[string, string]> = []
    if (token) headers.push(['Authorization', `Bearer ${token}`])
    headers.push(['Accept', options.accept ?? 'application/json'])
    if (options.content) headers.push(['Content-Type', options.content[0]])
    return send(w.dns, uri, { method, headers, body: options.content?.[1] })
  }

  const last = (href: string) => href.split('/').at(-1)

  /** A signed-in application for alice on pool01 (UcwaApplications.CreateUcwaApps). */
  async function createUcwaApps(): Promise<{ token: string; host: string; app: any }> {
    const host = w.origin('pool01.example.test')
    const token = await signIn(w.t.internal, 'pool01.example.test', 'alice@example.test', PASSWORDS.alice)
    const res = await client(token, 'POST', `${host}/ucwa/oauth/v1/applications`, {
      content: [
        'application/json; charset=utf-8',
        JSON.stringify({ UserAgent: 'UcwaSfboConsole', EndpointId: guid(), Culture: 'en-US' }),
      ],
    })
    assert.ok(res.status >= 200 && res.status < 300, res.text)
    return { token, host, app: res.json }
  }

  async function availableBot(): Promise<{
    token: string
    host: string
    app: any
    events: { href: string }
  }> {
    const { token, host, app } = await createUcwaApps()
    const mma = await client(token, 'POST', host + app._embedded.me._links.makeMeAvailable.href, {
      content: ['application/json; charset=utf-8', JSON.stringify({ SupportedModalities: ['Messaging'] })],
    })
    assert.equal(mma.status, 204, mma.text)
    const events = { href: app._links.events.href }
    for (;;) {
      const res = await client(token, 'GET', `${host}${events.href}&timeout=1`)
      events.href = res.json._links.next.href
      if (res.json.sender.length === 0) break
    }
    return { token, host, app, events }
  }

  /** GetIM_Step03_Events(): GET the events href; keep next. */
  async function step03(bot: { token: string; host: string; events: { href: string } }): Promise<any> {
    const res: Wire = await client(bot.token, 'GET', bot.host + bot.events.href)
    assert.equal(res.status, 200, res.text)
    bot.events.href = res.json._links.next.href
    return res.json
  }

  // UcwaAutodiscovery.GetUcwaUserResourceUri(): "for some reason, the redirectUri doesn't include
  // /oauth/user" — the console appends it to the redirect href and recurses.
  it('follows the user resource redirect by appending /oauth/user to its href', async () => {
    const discovery = await client(undefined, 'GET', 'https://lyncdiscoverinternal.other.test')
    assert.equal(discovery.status, 200, discovery.text)
    const userUri: string = discovery.json._links.user.href
    const dirToken = await signIn(
      w.t.internal,
      new URL(userUri).hostname,
      'carol@other.test',
      PASSWORDS.carol,
    )
    const user = await client(dirToken, 'GET', userUri)
    assert.equal(user.status, 200, user.text)
    const redirect: string = user.json._links.redirect?.href
    assert.ok(redirect, `no redirect for a user homed elsewhere: ${user.text}`)
    const homeToken = await signIn(
      w.t.internal,
      new URL(redirect).hostname,
      'carol@other.test',
      PASSWORDS.carol,
    )
    const home = await client(homeToken, 'GET', `${redirect}/oauth/user`)
    assert.equal(home.status, 200, home.text)
    assert.match(
      home.json._links?.applications?.href ?? '',
      /^https:\/\/pool02\.example\.test:\d+\/ucwa\/oauth\/v1\/applications$/,
    )
  })

  it('creates its application with a PascalCase Newtonsoft body and sets presence with an empty answer', async () => {
    const { token, host, app } = await createUcwaApps()
    const mma = await client(token, 'POST', host + app._embedded.me._links.makeMeAvailable.href, {
      content: ['application/json; charset=utf-8', JSON.stringify({ SupportedModalities: ['Messaging'] })],
    })
    assert.equal(mma.status, 204, mma.text)
    const me = (await client(token, 'GET', host + app._embedded.me._links.self.href)).json
    // UcwaPresence.SetPresence(): "SetPresence response should be empty".
    const res = await client(token, 'POST', host + me._links.presence.href, {
      content: ['application/json; charset=utf-8', JSON.stringify({ availability: 'Busy' })],
    })
    assert.equal(res.status, 204, res.text)
    assert.equal(res.text, '')
  })

  it('accepts an invitation seen as Connecting/started/Incoming and reads its first message', async () => {
    const bot = await availableBot()
    await startMessaging(bob, 'sip:alice@example.test', 'Can you check the VPN?')
    const batch = await step03(bot)
    // The bot's test: some event with state Connecting, type started, direction Incoming.
    const invitation = batch.sender
      .filter((s: any) => s.rel === 'communication')
      .flatMap((s: any) => s.events)
      .find((e: any) => e.link.rel === 'messagingInvitation')
    assert.ok(invitation, `no messagingInvitation from the communication sender: ${JSON.stringify(batch)}`)
    assert.equal(invitation.type, 'started')
    assert.equal(invitation._embedded.messagingInvitation.state, 'Connecting')
    assert.equal(invitation._embedded.messagingInvitation.direction, 'Incoming')
    assert.equal(
      dataText(invitation._embedded.messagingInvitation._links.message.href),
      'Can you check the VPN?',
    )
    // GetIM_Step04_MessageAccept(): PostAsync(url, null) → "NoContent" is the only success.
    const accepted = await client(
      bot.token,
      'POST',
      bot.host + invitation._embedded.messagingInvitation._links.accept.href,
    )
    assert.equal(accepted.status, 204, accepted.text)
  })

  it('answers a completed/Success/Incoming message on <messaging>/messages?OperationContext=<GUID>', async () => {
    const bot = await availableBot()
    const location = await startMessaging(bob, 'sip:alice@example.test', 'hello')
    const invitation = (await step03(bot)).sender
      .flatMap((s: any) => s.events)
      .find((e: any) => e.link.rel === 'messagingInvitation')._embedded.messagingInvitation
    assert.equal((await client(bot.token, 'POST', bot.host + invitation._links.accept.href)).status, 204)
    // Test setup: drain the acceptance events with a short hold.
    for (;;) {
      const res = await client(bot.token, 'GET', `${bot.host}${bot.events.href}&timeout=1`)
      bot.events.href = res.json._links.next.href
      if (res.json.sender.length === 0) break
    }
    await next(bob)
    const messaging = (await bob.get(location)).json._links.messaging.href
    await say(
      { client: bob, conversation: '', messaging, sendMessage: `${messaging}/messages`, invitation: '' },
      'ping?',
    )

    const batch = await step03(bot)
    const sender = batch.sender.find((s: any) => s.rel === 'conversation')
    const event = sender?.events.find(
      (e: any) => e.link.rel === 'message' && e.status === 'Success' && e.type === 'completed',
    )
    assert.ok(event, `no completed/Success message from a conversation sender: ${JSON.stringify(batch)}`)
    const message = event._embedded.message
    assert.equal(message.direction, 'Incoming')
    assert.equal(last(message._links.contact.href), 'bob@example.test')
    assert.match(last(sender.href) ?? '', /^[\w-]+$/)
    const text = dataText((message._links.htmlMessage ?? message._links.plainMessage).href)
    assert.equal(text, 'ping?')
    // SendIM_Step05(): text/plain UTF-8 to <messaging>/messages?OperationContext=<GUID>.
    const reply = await client(
      bot.token,
      'POST',
      `${bot.host}${message._links.messaging.href}/messages?OperationContext=${guid()}`,
      {
        content: ['text/plain; charset=utf-8', `echo ${text}`],
      },
    )
    assert.equal(reply.status, 201, reply.text)
  })

  it('starts an IM with Accept: application/vnd.microsoft.com.ucwa+xml, then finds the conversation sender', async () => {
    const bot = await availableBot()
    // SendIM_Step01(): the JSON body hand-written with sessionContext/operationId GUIDs.
    const res = await client(
      bot.token,
      'POST',
      bot.host + bot.app._embedded.communication._links.startMessaging.href,
      {
        accept: 'application/vnd.microsoft.com.ucwa+xml',
        content: [
          'application/json; charset=utf-8',
          `{"importance":"Normal","sessionContext":"${guid()}","subject":"Test","telemetryId":null,"to":"sip:bob@example.test","operationId":"${guid()}"}`,
        ],
      },
    )
    assert.equal(res.status, 201, res.text)
    await acceptIncoming(bob)
    // SendIM_Step02(): the last sender with rel "conversation" names the conversation; Step04 GETs
    // it and builds <conversation>/messaging itself.
    const batch = await step03(bot)
    const conversation = batch.sender.findLast((s: any) => s.rel === 'conversation')
    assert.ok(conversation, `no conversation sender in the first batch: ${JSON.stringify(batch)}`)
    assert.equal((await client(bot.token, 'GET', bot.host + conversation.href)).status, 200)
    const messaging = await client(bot.token, 'GET', `${bot.host}${conversation.href}/messaging`)
    assert.equal(messaging.status, 200, messaging.text)
  })
})
