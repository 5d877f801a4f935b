// The Python bot dadecoza/python-ucwa-bot (python3/s4b_bot.py: SkypeForBusinessBot, and
// python3/s4b_send.py: SkypeForBusinessSend), driven the way it drives a server through
// `requests`: every URL rebuilt on the origin of the root's `self` link, relative hrefs glued to
// that origin *with its trailing slash* (so `https://host//ucwa/…`), the reportMyActivity URL
// built from the application's self href, `Content-Type: application/json` even on GETs, replies
// POSTed to the received message's own href, and a retry loop that re-authenticates forever on
// any 401 or 404 — so a 404 anywhere on its path hangs the bot.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import {
  acceptIncoming,
  dataText,
  type Joined,
  next,
  say,
  sip,
  startMessaging,
} from '../helpers/messaging.ts'
import { PASSWORDS } from '../helpers/server.ts'
import type { Client } from '../helpers/ucwa-client.ts'
import { headersRepr, pyRequest } from './helpers/python-requests.ts'
import type { Wire } from './helpers/wire.ts'
import { startWorldWithBob, type World } from './helpers/world.ts'

const hex32 = () => Array.from({ length: 32 }, () => Math.floor(Math.random() * 16).toString(16)).join('')

/** The bot's attributes after __init__ (s4b_bot.py / s4b_send.py). */
interface Bot {
  urlRoot: string
  urlUser: string
  urlOauth: string
  authHeader: string
  urlApplication: string
  urlMessaging: string
  urlEvents: string
  urlReportMyActivity: string
  urlMakeMeAvailable: string
  urlSearch: string
}

describe('Python bot (dadecoza/python-ucwa-bot)', () => {
  let w: World
  let bob: Client
  before(async () => {
    ;({ w, bob } = await startWorldWithBob())
  })
  after(() => w?.stop())

  const req = (method: string, url: string, options: Parameters<typeof pyRequest>[3] = {}) =>
    pyRequest(w.dns, method, url, options)

  /** SkypeForBusinessBot.get()/post(): Content-Type json always, Authorization once signed in. */
  function botGet(bot: Bot, url: string, params?: Record<string, string>): Promise<Wire> {
    return req('GET', url, {
      headers: { 'Content-Type': 'application/json', Authorization: bot.authHeader },
      params,
    })
  }
  function botPost(bot: Bot, url: string, data?: unknown): Promise<Wire> {
    return req('POST', url, {
      headers: { 'Content-Type': 'application/json', Authorization: bot.authHeader },
      json: data,
    })
  }
  /** The bot's retry loop turns any 401/404 into an endless re-authentication: none may happen. */
  function noRetryLoop(res: Wire, what: string): void {
    assert.ok(
      res.status !== 401 && res.status !== 404,
      `${what}: ${res.status} would loop the bot: ${res.text}`,
    )
  }

  const fixUrl = (bot: Bot, url: string) => url.replace(/^(https?:\/\/.*?)\//, bot.urlRoot)

  // __init__: set_root_url, set_user_url, set_oauth_url, set_auth_header, set_application_url,
  // setup_application, make_me_available.
  async function startBot(
    discoveryUrl: string,
    user = 'alice@example.test',
    password: string = PASSWORDS.alice,
  ) {
    const bot = {} as Bot
    const root = await req('GET', discoveryUrl, { headers: { 'Content-Type': 'application/json' } })
    assert.equal(root.status, 200, root.text)
    bot.urlRoot = /^(https?:\/\/.*?\/)/.exec(root.json._links.self.href)?.[1] ?? ''
    bot.urlUser = fixUrl(bot, root.json._links.user.href)

    const challenge = await req('GET', bot.urlUser)
    const oauth = /MsRtcOAuth href="(.*?)"/.exec(headersRepr(challenge))?.[1]
    assert.ok(oauth, `no MsRtcOAuth href in str(r.headers): ${headersRepr(challenge)}`)
    bot.urlOauth = fixUrl(bot, oauth)

    const token = await req('POST', bot.urlOauth, {
      data: { grant_type: 'password', username: user, password },
      headers: { 'Content-Type': 'application/x-www-form-urlencoded;charset=UTF-8' },
    })
    assert.equal(token.status, 200, token.text)
    bot.authHeader = `${token.json.token_type} ${token.json.access_token}`

    const userRes = await botGet(bot, bot.urlUser)
    assert.equal(userRes.status, 200, userRes.text)
    bot.urlApplication = fixUrl(bot, userRes.json._links.applications.href)

    const app = await botPost(bot, bot.urlApplication, {
      UserAgent: 'Python Client',
      EndpointId: hex32(),
      Culture: 'en-US',
    })
    assert.equal(app.status, 201, app.text)
    bot.urlMessaging = bot.urlRoot + app.json._embedded.communication._links.startMessaging.href
    bot.urlEvents = bot.urlRoot + app.json._links.events.href
    bot.urlReportMyActivity = `${bot.urlRoot + app.json._links.self.href}/reportMyActivity`
    bot.urlMakeMeAvailable = bot.urlRoot + app.json._embedded.me._links.makeMeAvailable.href
    bot.urlSearch = bot.urlRoot + app.json._embedded.people._links.search.href
    return bot
  }

  async function availableBot(): Promise<Bot> {
    const bot = await startBot('https://lyncdiscoverinternal.example.test/')
    const mma = await botPost(bot, bot.urlMakeMeAvailable, { SupportedModalities: ['Messaging'] })
    noRetryLoop(mma, 'makeMeAvailable')
    assert.equal(mma.status, 204, mma.text)
    await drain(bot)
    return bot
  }

  /** process_events() without acting on anything: `?timeout=180` as the bot asks for it. */
  async function poll(bot: Bot): Promise<any> {
    const res = await botGet(bot, bot.urlEvents, { timeout: '180' })
    noRetryLoop(res, 'events')
    assert.equal(res.status, 200, res.text)
    bot.urlEvents = bot.urlRoot + res.json._links.next.href
    return res.json
  }

  /** Test setup: empty the bot's queue without the 180 s wait on the last, empty poll. */
  async function drain(bot: Bot): Promise<void> {
    for (;;) {
      const res = await botGet(bot, bot.urlEvents, { timeout: '1' })
      assert.equal(res.status, 200, res.text)
      bot.urlEvents = bot.urlRoot + res.json._links.next.href
      if (res.json.sender.length === 0) return
    }
  }

  /** What process_events() does with an incoming invitation: POST its accept href. */
  async function acceptInvitations(bot: Bot, batch: any): Promise<number> {
    let accepted = 0
    for (const sender of batch.sender.filter((s: any) => s.rel === 'communication')) {
      for (const event of sender.events) {
        const invitation = event._embedded?.messagingInvitation
        if (invitation?.direction === 'Incoming' && 'accept' in invitation._links) {
          const res = await botPost(bot, bot.urlRoot + invitation._links.accept.href)
          noRetryLoop(res, 'accept')
          assert.equal(res.status, 204, res.text)
          accepted++
        }
      }
    }
    return accepted
  }

  /** The message events process_events() hands to the callback: rel message with plainMessage. */
  const plainMessages = (batch: any): any[] =>
    batch.sender
      .filter((s: any) => s.rel === 'conversation')
      .flatMap((s: any) => s.events)
      .filter((e: any) => e.link.rel === 'message' && 'plainMessage' in e._embedded.message._links)
      .map((e: any) => e._embedded.message)

  /** bob starts an IM the bot accepts; returns bob's hrefs in the connected conversation. */
  async function botAccepts(bot: Bot): Promise<Joined> {
    const location = await startMessaging(bob, 'sip:alice@example.test', 'hi bot')
    assert.equal(await acceptInvitations(bot, await poll(bot)), 1)
    const invitation = (await bob.get(location)).json
    const messaging = invitation._links.messaging.href
    return {
      client: bob,
      conversation: invitation._links.conversation.href,
      messaging,
      sendMessage: `${messaging}/messages`,
      invitation: location,
    }
  }

  /** An available bot that accepted bob's IM, both queues drained, and then bob says `text`. */
  async function bobSays(text: string): Promise<{ bot: Bot; bobSide: Joined }> {
    const bot = await availableBot()
    const bobSide = await botAccepts(bot)
    await drain(bot)
    await next(bob)
    assert.equal((await say(bobSide, text)).status, 201)
    return { bot, bobSide }
  }

  /**
   * get_send_mesage_url(): up to 100 GETs without parameters; every embedded messagingInvitation
   * is read for operationId and state (a KeyError ends the send thread); the messaging that turns
   * Connected gives the sendMessage and stopMessaging links.
   */
  async function sendMessageUrl(
    bot: Bot,
    operationId: string,
  ): Promise<{ sendUrl: string; stopUrl: string }> {
    for (let i = 0; i < 100; i++) {
      const res = await req('GET', bot.urlEvents, { headers: { Authorization: bot.authHeader } })
      assert.equal(res.status, 200, res.text)
      bot.urlEvents = bot.urlRoot + res.json._links.next.href
      for (const event of res.json.sender.flatMap((s: any) => s.events)) {
        const invitation = event._embedded?.messagingInvitation
        if (invitation) {
          assert.ok('operationId' in invitation && 'state' in invitation, JSON.stringify(invitation))
          if (invitation.state === 'Failed' || invitation.operationId !== operationId) continue
        }
        const messaging = event._embedded?.messaging
        if (messaging?.state === 'Connected') {
          return {
            sendUrl: bot.urlRoot + messaging._links.sendMessage.href,
            stopUrl: bot.urlRoot + messaging._links.stopMessaging.href,
          }
        }
      }
    }
    throw new Error('failed to find send url')
  }

  it('signs in on the origin of the root self link and creates its application (201)', async () => {
    const bot = await startBot('https://lyncdiscoverinternal.example.test/')
    assert.match(bot.urlRoot, /^https:\/\/pool01\.example\.test:\d+\/$/)
    assert.match(bot.authHeader, /^Bearer cwt=/)
    assert.match(
      bot.urlEvents,
      /^https:\/\/pool01\.example\.test:\d+\/\/ucwa\/oauth\/v1\/applications\/\d+\/events\?ack=1$/,
    )
  })

  it('uses hrefs glued on with a double slash: makeMeAvailable, <application>/reportMyActivity, events', async () => {
    const bot = await startBot('https://lyncdiscoverinternal.example.test/')
    const mma = await botPost(bot, bot.urlMakeMeAvailable, { SupportedModalities: ['Messaging'] })
    noRetryLoop(mma, 'makeMeAvailable')
    assert.equal(mma.status, 204, mma.text)
    // heartbeat(): post(url) with json=None — Content-Type: application/json and no body.
    const activity = await botPost(bot, bot.urlReportMyActivity)
    noRetryLoop(activity, 'reportMyActivity')
    assert.equal(activity.status, 204, activity.text)
    const batch = await poll(bot)
    assert.ok(Array.isArray(batch.sender))
    assert.match(bot.urlEvents, /\/\/ucwa\/oauth\/v1\/applications\/\d+\/events\?ack=2$/)
  })

  it('accepts an incoming IM with an empty POST carrying Content-Type: application/json', async () => {
    const bot = await availableBot()
    await botAccepts(bot)
    const connected = await next(bob)
    assert.ok(
      connected.some((e) => e.link.rel === 'messaging' && e._embedded?.messaging?.state === 'Connected'),
    )
  })

  it('reads the sender from the participant link, shows typing and replies to the message href', async () => {
    const { bot } = await bobSays('what is the build status, please?')

    const [message] = plainMessages(await poll(bot))
    assert.ok(message, 'no message event with plainMessage in the batch')
    // get_participant_uri(): GET the participant href, read `uri`.
    const participant = await botGet(bot, bot.urlRoot + message._links.participant.href)
    noRetryLoop(participant, 'participant')
    assert.equal(participant.json.uri, sip(bob))
    // The text after the first comma, + as space, percent-decoded.
    const raw: string = message._links.plainMessage.href
    const text = decodeURIComponent((/^\S+?,(.*)/s.exec(raw)?.[1] ?? '').replace(/\+/g, ' '))
    assert.equal(text.trimEnd(), 'what is the build status, please?')
    // Message.typing(): POST <messaging>/typing with only Authorization, no body.
    const typing = await req('POST', `${bot.urlRoot + message._links.messaging.href}/typing`, {
      headers: { Authorization: bot.authHeader },
    })
    noRetryLoop(typing, 'typing')
    assert.equal(typing.status, 204, typing.text)
    // Message.reply(): POST text/plain to the message's own href.
    const reply = await req('POST', bot.urlRoot + message._links.self.href, {
      data: 'green: 412 passed',
      headers: { 'Content-Type': 'text/plain', Authorization: bot.authHeader },
    })
    noRetryLoop(reply, 'reply to the message href')
    assert.equal(reply.status, 201, reply.text)
    const got = (await next(bob)).filter(
      (e) => e.link.rel === 'message' && e._embedded.message.direction === 'Incoming',
    )
    assert.deepEqual(
      got.map((e) => dataText(e._embedded.message._links.plainMessage.href)),
      ['green: 412 passed'],
    )
  })

  it('can still read the participant of a message whose sender has left the conversation', async () => {
    const { bot, bobSide } = await bobSays('bye')
    assert.equal((await bob.del(bobSide.conversation)).status, 204)

    const [message] = plainMessages(await poll(bot))
    assert.ok(message, 'no message event with plainMessage in the batch')
    const participant = await botGet(bot, bot.urlRoot + message._links.participant.href)
    noRetryLoop(participant, 'participant of a departed sender')
    assert.equal(participant.status, 200, participant.text)
    assert.equal(participant.json.uri, sip(bob))
  })

  it('sends as SkypeForBusinessSend: empty subject, telemetryId null, operationId on every invitation, no echo', async () => {
    const bot = await availableBot()
    const operationId = hex32()
    // request_to_chat(): requests json= with only Authorization.
    const started = await req('POST', bot.urlMessaging, {
      json: {
        importance: 'Normal',
        sessionContext: hex32(),
        subject: '',
        telemetryId: null,
        to: 'sip:bob@example.test',
        operationId,
      },
      headers: { Authorization: bot.authHeader },
    })
    assert.equal(started.status, 201, started.text)
    await acceptIncoming(bob)

    const { sendUrl, stopUrl } = await sendMessageUrl(bot, operationId)

    // send_the_message(): text/plain, then one GET of the events.
    const sent = await req('POST', sendUrl, {
      data: 'Nightly build: 2 failures',
      headers: { 'Content-Type': 'text/plain', Authorization: bot.authHeader },
    })
    assert.equal(sent.status, 201, sent.text)
    const after = await req('GET', bot.urlEvents, { headers: { Authorization: bot.authHeader } })
    bot.urlEvents = bot.urlRoot + after.json._links.next.href
    // Its own message comes back Outgoing and without plainMessage: the receiving bot in the same
    // process would otherwise answer itself.
    assert.deepEqual(plainMessages(after.json), [])
    const own = after.json.sender
      .flatMap((s: any) => s.events)
      .filter((e: any) => e.link.rel === 'message')
      .map((e: any) => e._embedded?.message?.direction)
    assert.deepEqual(own, ['Outgoing'])

    // stop_message(): POST with only Authorization, then one GET of the events.
    const stop = await req('POST', stopUrl, { headers: { Authorization: bot.authHeader } })
    assert.equal(stop.status, 204, stop.text)
    const stopped = await req('GET', bot.urlEvents, { headers: { Authorization: bot.authHeader } })
    assert.equal(stopped.status, 200, stopped.text)
  })

  it('reads a contact presence from search?query=<raw sip uri>', async () => {
    const bot = await startBot('https://lyncdiscoverinternal.example.test/')
    // get_presence(): the query is not URL-encoded.
    const search = await req('GET', `${bot.urlSearch}?query=sip:bob@example.test`, {
      headers: { Authorization: bot.authHeader },
    })
    assert.equal(search.status, 200, search.text)
    const presence = await req(
      'GET',
      bot.urlRoot + search.json._embedded.contact[0]._links.contactPresence.href,
      {
        headers: { Authorization: bot.authHeader },
      },
    )
    assert.equal(presence.status, 200, presence.text)
    assert.equal(presence.json.availability, 'Online')
  })
})
