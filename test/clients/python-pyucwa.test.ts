// tonybaloney/pyucwa (ucwa/actions.py, ucwa/events.py, ucwa/datauri.py, app.py), driven the way
// it drives a server through `requests`: Skype Web SDK-style headers on every call (Origin,
// Client-Request-Id: WebSDK/<uuid1>, X-MS-Correlation-Id, X-Ms-Namespace: internal,
// X-Ms-SDK-Instance, Referer), hard-coded /ucwa/oauth/v1/applications paths on the pool origin,
// the application's `id` put into the makeMeAvailable path, only the first sender of each event
// batch looked at, invitations accepted with a `{}` body, and message bodies read with its own
// data-URI regex. pyucwa gets its token from Azure AD; here the password grant stands in for it.
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { dataText, next, say, startMessaging } from '../helpers/messaging.ts'
import { PASSWORDS, signIn } from '../helpers/server.ts'
import type { Client } from '../helpers/ucwa-client.ts'
import { pyDumps, pyRequest } from './helpers/python-requests.ts'
import type { Wire } from './helpers/wire.ts'
import { startWorldWithBob, type World } from './helpers/world.ts'

// actions.py USER_AGENT and the redirect_uri the app is registered with.
const USER_AGENT = 'SkypeWeb/0.4.275 master UCWA/1.0.0-e4a1abbd7ca7d-84c26b3703da8'
const ORIGIN = 'https://bot.example.test/'

/** ucwa/datauri.py's DATA_URI_REGEX, then urllib.unquote (DataURI.data) and unquote_plus (events.py). */
function pyucwaMessageText(uri: string): string {
  const match =
    /^data:(?<mimetype>\w+\/[\w\-+.]+)?(?:;charset=(?<charset>[\w\-+.]+))?(?<base64>;base64)?,(?<data>.*)$/s.exec(
      uri,
    )
  assert.ok(match?.groups, `ucwa/datauri.py: Not a valid data URI: ${uri}`)
  const data = decodeURIComponent(match.groups.data ?? '')
  return decodeURIComponent(data.replace(/\+/g, ' '))
}

describe('Python library tonybaloney/pyucwa', () => {
  let w: World
  let resource: string
  let bob: Client
  before(async () => {
    ;({ w, bob } = await startWorldWithBob())
    resource = w.origin('pool01.example.test')
  })
  after(() => w?.stop())

  /** actions.py oauth_request / oauth_stream_request / oauth_post_request / oauth_post_text_request. */
  function call(
    method: 'GET' | 'POST',
    uri: string,
    token: string,
    body?: { json?: unknown; text?: string },
  ) {
    const uid = randomUUID()
    return pyRequest(w.dns, method, uri, {
      headers: {
        Authorization: `Bearer ${token}`,
        Origin: ORIGIN,
        'Client-Request-Id': `WebSDK/${uid}`,
        Accept: 'application/json',
        ...(method === 'POST'
          ? { 'Content-Type': body?.text === undefined ? 'application/json' : 'text/plain' }
          : { 'X-Requested-With': 'XMLHttpRequest' }),
        'X-MS-Correlation-Id': uid,
        'X-Ms-Namespace': 'internal',
        'X-Ms-SDK-Instance': USER_AGENT,
        Referer: `${ORIGIN}/`,
      },
      ...(body?.json !== undefined ? { data: pyDumps(body.json) } : {}),
      ...(body?.text !== undefined ? { data: body.text } : {}),
    })
  }

  /** response.raise_for_status(), then `{}` for an empty body or response.json(). */
  function raiseForStatus(res: Wire, what: string): any {
    assert.ok(res.status >= 200 && res.status < 400, `${what}: ${res.status} ${res.text}`)
    if (res.text === '') return {}
    assert.notEqual(res.json, undefined, `${what}: a non-empty body that is not JSON: ${res.text}`)
    return res.json
  }

  async function registered(): Promise<{ token: string; app: any }> {
    const token = await signIn(w.t.internal, 'pool01.example.test', 'alice@example.test', PASSWORDS.alice)
    // register_application(): PascalCase body, EndpointId = str(uuid.uuid1()).
    const app = raiseForStatus(
      await call('POST', `${resource}/ucwa/oauth/v1/applications`, token, {
        json: { UserAgent: USER_AGENT, EndpointId: randomUUID(), Culture: 'en-US' },
      }),
      'register_application',
    )
    return { token, app }
  }

  /** app.py's loop body: the batch's first sender only, then next. */
  async function firstSenderEvents(token: string, state: { events: string }): Promise<any[]> {
    const batch = raiseForStatus(await call('GET', resource + state.events, token), 'events')
    state.events = batch._links.next.href
    return batch.sender.length > 0 ? batch.sender[0].events : []
  }

  /** Test setup: empty the queue with a 1 s hold (pyucwa itself asks for no timeout). */
  async function drain(token: string, state: { events: string }): Promise<void> {
    for (;;) {
      const batch = raiseForStatus(await call('GET', `${resource}${state.events}&timeout=1`, token), 'drain')
      state.events = batch._links.next.href
      if (batch.sender.length === 0) return
    }
  }

  /** register_application(), set_available() on the application's self href, then (test setup) drain. */
  async function availableAndDrained(): Promise<{ token: string; state: { events: string } }> {
    const { token, app } = await registered()
    raiseForStatus(
      await call('POST', `${resource}${app._links.self.href}/me/makeMeAvailable`, token, {
        json: { SupportedModalities: ['Messaging'] },
      }),
      'set_available',
    )
    const state = { events: app._links.events.href }
    await drain(token, state)
    return { token, state }
  }

  /** events.py process_message_invitation_event(): POST the invitation's accept href with {}. */
  async function accept(token: string, invitation: any): Promise<void> {
    const href = invitation._embedded.messagingInvitation._links.accept.href
    raiseForStatus(await call('POST', resource + href, token, { json: {} }), 'accept')
  }

  it('registers with the SkypeWeb headers and makes itself available on /applications/<id>/me/makeMeAvailable', async () => {
    const { token, app } = await registered()
    // app.py logs app['id'] and set_available() builds the path from it.
    assert.equal(typeof app.id, 'string', 'the application resource has no `id` property')
    assert.equal(`/ucwa/oauth/v1/applications/${app.id}`, app._links.self.href)
    const res = await call(
      'POST',
      `${resource}/ucwa/oauth/v1/applications/${app.id}/me/makeMeAvailable`,
      token,
      {
        json: { SupportedModalities: ['Messaging'] },
      },
    )
    assert.equal(res.status, 204, res.text)
  })

  it('accepts from the first sender with {} and says hi once the conversation is added', async () => {
    const { token, state } = await availableAndDrained()
    await startMessaging(bob, 'sip:alice@example.test', 'ping')
    const events = await firstSenderEvents(token, state)

    // events.py process_message_invitation_event(): the inviter's name, then accept with {}.
    const invitation = events.find((e) => e.link.rel === 'messagingInvitation')
    assert.ok(invitation, `no messagingInvitation among the first sender's events: ${JSON.stringify(events)}`)
    assert.equal(invitation._embedded.messagingInvitation._embedded.from.name, 'Bob Baker')
    await accept(token, invitation)
    // process_conversation_event(): GET the conversation, its messaging link; on `added` read
    // threadId and send 'hi' to <messaging>/messages.
    const added = events.find((e) => e.link.rel === 'conversation' && e.type === 'added')
    assert.ok(added, `no conversation added among the first sender's events: ${JSON.stringify(events)}`)
    const conversation = raiseForStatus(await call('GET', resource + added.link.href, token), 'conversation')
    assert.equal(typeof added._embedded.conversation.threadId, 'string')
    const hi = await call('POST', `${resource}${conversation._links.messaging.href}/messages`, token, {
      text: 'hi',
    })
    assert.equal(hi.status, 201, hi.text)
    const got = (await next(bob)).flatMap((e) =>
      e.link.rel === 'message' && e._embedded.message.direction === 'Incoming'
        ? [dataText(e._embedded.message._links.plainMessage.href)]
        : [],
    )
    assert.ok(got.includes('hi'), JSON.stringify(got))
  })

  it('reads an incoming message from the first sender with its data-URI regex and replies on messaging', async () => {
    const { token, state } = await availableAndDrained()
    const location = await startMessaging(bob, 'sip:alice@example.test', 'ping')
    const invitation = (await firstSenderEvents(token, state)).find(
      (e) => e.link.rel === 'messagingInvitation',
    )
    await accept(token, invitation)
    await drain(token, state)
    await next(bob)
    const bobsInvitation = (await bob.get(location)).json
    const messaging = bobsInvitation._links.messaging.href
    assert.equal(
      (
        await say(
          { client: bob, conversation: '', messaging, sendMessage: `${messaging}/messages`, invitation: '' },
          'Is the build green, or not?',
        )
      ).status,
      201,
    )

    // process_message_event(): direction Incoming, plainMessage through DataURI, messaging href.
    const events = await firstSenderEvents(token, state)
    const message = events.find((e) => e.link.rel === 'message')?._embedded?.message
    assert.ok(message, `no message among the first sender's events: ${JSON.stringify(events)}`)
    assert.equal(message.direction, 'Incoming')
    assert.equal(pyucwaMessageText(message._links.plainMessage.href).trimEnd(), 'Is the build green, or not?')
    const reply = await call('POST', `${resource}${message._links.messaging.href}/messages`, token, {
      text: 'green',
    })
    assert.equal(reply.status, 201, reply.text)
  })
})
