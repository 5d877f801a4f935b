// ShelbyZ/UCWA.NET (UCWA.NET/Core/Discovery.cs, Core/Authentication.cs, Core/Events.cs,
// SimpleTransport/SimpleTransport.cs, Transport/TransportProxy.cs, Resources/*.cs,
// Console/Program.cs), driven the way its HttpWebRequest transport drives a server: no Accept
// header at all, `Expect: 100-continue` on bodies, response headers copied into a plain
// Dictionary<string, string> keyed by the names the server wrote (so `Headers["WWW-Authenticate"]`
// is a case-sensitive lookup), bodies read as exactly Content-Length bytes (none when the length
// is missing), JSON read by DataContractJsonSerializer (typed members: strings stay strings,
// event `_embedded` is a dictionary of objects), relative hrefs resolved against the authority
// of the user resource's `self` link, and an event loop that stops on any 409.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { next, say, startMessaging } from '../helpers/messaging.ts'
import { PASSWORDS } from '../helpers/server.ts'
import type { Client } from '../helpers/ucwa-client.ts'
import { send, type Wire } from './helpers/wire.ts'
import { guid, startWorldWithBob, type World } from './helpers/world.ts'

/** TransportProxy + SimpleTransport: Authorization when known, Content-Type, the body. */
interface Dotnet {
  authorization?: string
  baseUri?: string
}

describe('C# library ShelbyZ/UCWA.NET', () => {
  let w: World
  let bob: Client
  before(async () => {
    ;({ w, bob } = await startWorldWithBob())
  })
  after(() => w?.stop())

  /** SimpleTransport.ExecuteRequest(): relative URIs on Baseuri; a 4xx is read like a 2xx. */
  function execute(
    net: Dotnet,
    uri: string,
    method = 'GET',
    options: { contentType?: string; data?: string } = {},
  ): Promise<Wire> {
    const url = /^https?:/.test(uri) ? uri : new URL(uri, net.baseUri).toString()
    const headers: Array<[string, string]> = []
    if (net.authorization) headers.push(['Authorization', net.authorization])
    if (options.contentType) headers.push(['Content-Type', options.contentType])
    if (options.data !== undefined) headers.push(['Expect', '100-continue'])
    headers.push(['Connection', 'Keep-Alive'])
    return send(w.dns, url, { method, headers, body: options.data })
  }

  /** ProcessResponse(): `new byte[ContentLength]`, nothing at all without a Content-Length. */
  function data(res: Wire): any {
    const length = Number(res.any('Content-Length')[0] ?? -1)
    assert.ok(length > 0, `no Content-Length on a ${res.status} with a body: the library reads nothing`)
    assert.equal(length, res.body.length)
    return JSON.parse(res.text)
  }

  /** Discovery.Start(): https and http on lyncdiscoverinternal.<domain> in parallel, no headers. */
  async function discover(net: Dotnet, domain = 'example.test'): Promise<any> {
    const [secure, plain] = await Promise.all([
      execute(net, `https://lyncdiscoverinternal.${domain}`),
      execute(net, `http://lyncdiscoverinternal.${domain}`),
    ])
    let root = data(secure.status === 200 ? secure : plain)
    while (root._links.redirect) root = data(await execute(net, root._links.redirect.href))
    return root
  }

  /** Challenge(header): after "MsRtcOAuth href=" up to the next quote; after "grant_type=". */
  function challenge(header: string): { tokenUri: string; grants: string[] } {
    const marker = 'MsRtcOAuth href='
    const at = header.toLowerCase().indexOf(marker.toLowerCase())
    assert.notEqual(at, -1, `no MsRtcOAuth href= in ${header}`)
    const rest = header.slice(at + marker.length)
    const tokenUri = rest.slice(0, rest.indexOf('"', 1)).replace(/"/g, '')
    const g = header.toLowerCase().indexOf('grant_type=')
    const grants =
      g === -1
        ? []
        : header
            .slice(g + 'grant_type='.length)
            .replace(/"/g, '')
            .split(',')
    return { tokenUri, grants }
  }

  /** Program.Main: discovery, Authentication.Start (401), GetAuthToken, Start with the token. */
  async function authenticated(): Promise<{ net: Dotnet; root: any }> {
    const net: Dotnet = {}
    const userUri = (await discover(net))._links.user.href
    const first = await execute(net, userUri)
    assert.equal(first.status, 401)
    // The exact-case lookup has its own test below; the later steps read it in any casing so
    // that each test fails for its own reason.
    const { tokenUri } = challenge(first.any('WWW-Authenticate').join(','))
    // GetGrant(): Uri.EscapeUriString leaves '@' as it is.
    const grant = `grant_type=password&username=${encodeURI('alice@example.test')}&password=${encodeURI(PASSWORDS.alice)}`
    const token = data(
      await execute(net, tokenUri, 'POST', {
        contentType: 'application/x-www-form-urlencoded;charset=UTF-8',
        data: grant,
      }),
    )
    net.authorization = `${token.token_type} ${token.access_token}`
    const root = data(await execute(net, userUri))
    net.baseUri = new URL(root._links.self.href).origin
    return { net, root }
  }

  /** Program.Main after sign-in: POST applications, makeMeAvailable, start the event loop. */
  async function running(): Promise<{ net: Dotnet; app: any; events: { uri: string } }> {
    const { net, root } = await authenticated()
    const app = data(
      await execute(net, root._links.applications.href, 'POST', {
        contentType: 'application/json',
        data: JSON.stringify({ culture: 'en-US', endpointId: guid(), userAgent: 'tester' }),
      }),
    )
    const mma = await execute(net, app._embedded.me._links.makeMeAvailable.href, 'POST', {
      contentType: 'application/json',
      data: JSON.stringify({ supportedModalities: ['Messaging'] }),
    })
    assert.equal(mma.status, 204, mma.text)
    return { net, app, events: { uri: app._links.events.href } }
  }

  /** Events.EventLoop(): GET with no time limit; 200 → resync ?? next; 409 stops the loop. */
  async function eventLoop(net: Dotnet, events: { uri: string }, timeout?: number): Promise<any> {
    const uri = timeout === undefined ? events.uri : `${events.uri}&timeout=${timeout}`
    const res = await execute(net, uri)
    assert.notEqual(res.status, 409, `409 ends UCWA.NET's event loop: ${res.text}`)
    assert.equal(res.status, 200, res.text)
    const batch = data(res)
    events.uri = batch._links.resync?.href ?? batch._links.next.href
    return batch
  }

  /** Event.EventsObject._embedded: Dictionary<string, Dictionary<string, object>>. */
  function assertEmbeddedAreObjects(batch: any): void {
    for (const event of batch.sender.flatMap((s: any) => s.events)) {
      for (const [rel, value] of Object.entries(event._embedded ?? {})) {
        assert.ok(
          value !== null && typeof value === 'object' && !Array.isArray(value),
          `_embedded.${rel} of a ${event.link.rel} ${event.type} event is not an object`,
        )
      }
    }
  }

  it('discovers on https:// and http://lyncdiscoverinternal.<domain> without an Accept header', async () => {
    const root = await discover({})
    assert.match(
      root._links.user.href,
      /^https:\/\/pool01\.example\.test:\d+\/Autodiscover\/AutodiscoverService\.svc\/root\/oauth\/user/,
    )
  })

  it('finds the challenge under Headers["WWW-Authenticate"], spelled as IIS spells it', async () => {
    const userUri = (await discover({}))._links.user.href
    const res = await execute({}, userUri)
    assert.equal(res.status, 401)
    const header = res.exact('WWW-Authenticate')
    assert.ok(
      header.length > 0,
      `no header named exactly WWW-Authenticate in ${JSON.stringify(res.rawHeaders)}`,
    )
    const { tokenUri, grants } = challenge(header.join(','))
    assert.match(tokenUri, /^https:\/\/pool01\.example\.test:\d+\/WebTicket\/oauthtoken$/)
    assert.ok(grants.includes('password'))
  })

  it('signs in with an unescaped @ in the form and reads expires_in as an integer', async () => {
    const { net, root } = await authenticated()
    assert.match(net.authorization ?? '', /^Bearer cwt=/)
    assert.equal(new URL(root._links.applications.href).origin, net.baseUri)
  })

  it('creates its application with a DataContract body; etag is a JSON string, every body has a Content-Length', async () => {
    const { net, root } = await authenticated()
    const res = await execute(net, root._links.applications.href, 'POST', {
      contentType: 'application/json',
      data: JSON.stringify({ culture: 'en-US', endpointId: guid(), userAgent: 'tester' }),
    })
    assert.equal(res.status, 201, res.text)
    const app = data(res)
    assert.equal(typeof app.etag, 'string')
    assert.equal(typeof app._embedded.communication.etag, 'string')
    assert.match(app._links.events.href, /^\/ucwa\/oauth\/v1\/applications\/\d+\/events\?ack=1$/)
    const me = data(await execute(net, app._embedded.me._links.self.href))
    assert.equal(me.uri, 'sip:alice@example.test')
  })

  it('reports activity with an empty POST (Content-Length: 0, no Content-Type) every 3.5 minutes', async () => {
    const { net, app } = await running()
    const me = data(await execute(net, app._embedded.me._links.self.href))
    const res = await execute(net, me._links.reportMyActivity.href, 'POST')
    assert.equal(res.status, 204, res.text)
  })

  it('runs its event loop through an IM: Content-Length on every batch, _embedded values objects, no 409', async () => {
    const { net, events } = await running()
    for (;;) {
      const batch = await eventLoop(net, events, 1)
      assertEmbeddedAreObjects(batch)
      if (batch.sender.length === 0) break
    }
    const location = await startMessaging(bob, 'sip:alice@example.test', 'ping')
    const incoming = await eventLoop(net, events)
    assertEmbeddedAreObjects(incoming)
    const invitation = incoming.sender
      .flatMap((s: any) => s.events)
      .find((e: any) => e.link.rel === 'messagingInvitation')._embedded.messagingInvitation
    assert.equal((await execute(net, invitation._links.accept.href, 'POST')).status, 204)
    await next(bob)
    const messaging = (await bob.get(location)).json._links.messaging.href
    await say(
      { client: bob, conversation: '', messaging, sendMessage: `${messaging}/messages`, invitation: '' },
      'hi',
    )
    for (let i = 0; i < 3; i++) assertEmbeddedAreObjects(await eventLoop(net, events, 1))
  })
})
