// The PHP library wapacro/Skype-for-Business-UCWA-PHP, driven the way its curl calls drive a
// server: one request per step, `Accept: application/json` on some and none on others, a HEAD for
// the challenge, a multipart token request, the first key of `communication` reused as the
// operationId, 53-character uniqid() ids, and curl's own time limits (15 s, 30 s on the P-GET).
// Each step below names the function of lib/modules/init.ucwa.class.php or use.ucwa.class.php it
// follows. The library keeps scheme://host of the URLs it is given and drops the port, so this
// deployment is reached on the default https port (the DNS emulation maps it to the listener).
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { acceptIncoming, dataText, next } from '../helpers/messaging.ts'
import { PASSWORDS } from '../helpers/server.ts'
import { available, type Client, signedInApp } from '../helpers/ucwa-client.ts'
import { multipart, send, type Wire } from './helpers/wire.ts'
import { startWorld, type World } from './helpers/world.ts'

// What the library sends as X-Ms-Origin: scheme://host of the page it runs on.
const ORIGIN = 'https://intranet.example.test'

/** base.ucwa.class.php _generateUUID(): uniqid(md5(time()), true) without its dot — 53 chars. */
function uniqidUuid(): string {
  const md5ish = Array.from({ length: 32 }, () => Math.floor(Math.random() * 16).toString(16)).join('')
  const uniqid = Math.floor(Date.now() / 1000).toString(16) + Math.floor(Math.random() * 0xfffff).toString(16)
  const entropy = (Math.random() * 10).toFixed(8).replace('.', '')
  return `${md5ish}${uniqid.padEnd(13, '0').slice(0, 13)}${entropy.slice(0, 8)}`
}

/** PHP's parse_url: scheme://host (the library drops the port), path, query. */
function parseUrl(href: string): { base: string; path: string; query: string } {
  const u = new URL(href)
  return { base: `${u.protocol}//${u.hostname}`, path: u.pathname, query: u.search.slice(1) }
}

/** The library's state after each step, as its static properties hold it. */
interface Php {
  baseserver: string
  pathUser: string
  pathXframe: string
  pathOauth: string
  token: string
  pathApplication: string
  pathConversation: string
  pathEvents: string
  operationId: string
  pathSend: string
  pathTerminate: string
}

describe('PHP client (wapacro/Skype-for-Business-UCWA-PHP)', () => {
  let w: World
  before(async () => {
    w = await startWorld()
  })
  after(() => w.stop())

  const curl = (url: string, options: Parameters<typeof send>[2] = {}): Promise<Wire> =>
    send(w.dns, url, { clientTimeoutMs: 15_000, ...options })

  // init.ucwa.class.php autodiscover(): GET http://lyncdiscover.<domain> (no path, no port) with
  // Accept: application/json and X-Ms-Origin; keeps scheme://host of the user href, its path and
  // query, and the xframe path.
  async function autodiscover(): Promise<Php> {
    const res = await curl('http://lyncdiscover.example.test', {
      headers: [
        ['Accept', 'application/json'],
        ['X-Ms-Origin', ORIGIN],
      ],
    })
    assert.equal(res.status, 200, res.text)
    const user = parseUrl(res.json._links.user.href)
    const xframe = parseUrl(res.json._links.xframe.href)
    return {
      baseserver: user.base,
      pathUser: `${user.path}?${user.query}`,
      pathXframe: xframe.path,
    } as Php
  }

  // init.ucwa.class.php getOauthLink(): HEAD (CURLOPT_NOBODY + CURLOPT_HEADER) on the user URL;
  // preg_match('/href=["\']?([^"\'>]+)["\']?/') over the returned header block; keeps the path.
  async function getOauthLink(php: Php): Promise<void> {
    const res = await curl(php.baseserver + php.pathUser, {
      method: 'HEAD',
      headers: [
        ['Referer', php.baseserver + php.pathXframe],
        ['Accept', 'application/json'],
        ['X-Ms-Origin', ORIGIN],
      ],
    })
    assert.equal(res.status, 401)
    const match = /href=["']?([^"'>]+)["']?/.exec(res.block())
    assert.ok(match, `no href= in the 401 header block:\n${res.block()}`)
    php.pathOauth = parseUrl(match[1] ?? '').path
  }

  // init.ucwa.class.php getAccessToken(): CURLOPT_POSTFIELDS as an array → multipart/form-data;
  // 200 → access_token; then getApplicationLink(): GET the user URL with the token, keep the
  // applications path, compare its scheme://host with baseserver (re-auth there if it differs).
  async function signIn(php: Php, user = 'alice@example.test', password: string = PASSWORDS.alice) {
    const form = multipart({ grant_type: 'password', username: user, password })
    const res = await curl(php.baseserver + php.pathOauth, {
      method: 'POST',
      headers: [
        ['Referer', php.baseserver + php.pathXframe],
        ['Accept', 'application/json'],
        ['X-Ms-Origin', ORIGIN],
        ['Content-Type', form.contentType],
      ],
      body: form.body,
    })
    assert.equal(res.status, 200, res.text)
    php.token = res.json.access_token
    const user2 = await curl(php.baseserver + php.pathUser, {
      headers: [
        ['Referer', php.baseserver + php.pathXframe],
        ['Accept', 'application/json'],
        ['Authorization', `Bearer ${php.token}`],
        ['X-Ms-Origin', ORIGIN],
      ],
    })
    assert.equal(user2.status, 200, user2.text)
    const apps = parseUrl(user2.json._links.applications.href)
    php.pathApplication = apps.path + (apps.query ? `?${apps.query}` : '')
    assert.equal(
      apps.base,
      php.baseserver,
      'applications on another host: the library would sign in again there',
    )
  }

  // use.ucwa.class.php registerApplication(): JSON {userAgent, endpointId (53 chars), culture
  // de-CH}; only 201 counts; keeps startMessaging, events and array_keys(communication)[0].
  async function registerApplication(php: Php): Promise<Wire> {
    const res = await curl(php.baseserver + php.pathApplication, {
      method: 'POST',
      headers: [
        ['Referer', php.baseserver + php.pathXframe],
        ['Accept', 'application/json'],
        ['Authorization', `Bearer ${php.token}`],
        ['Content-Type', 'application/json'],
        ['X-Ms-Origin', ORIGIN],
      ],
      body: JSON.stringify({ userAgent: 'UCWA PHP', endpointId: uniqidUuid(), culture: 'de-CH' }),
    })
    assert.equal(res.status, 201, res.text)
    const communication = res.json._embedded.communication
    php.pathConversation = communication._links.startMessaging.href
    php.pathEvents = res.json._links.events.href
    php.operationId = Object.keys(communication)[0] ?? ''
    return res
  }

  async function signedIn(): Promise<Php> {
    const php = await autodiscover()
    await getOauthLink(php)
    await signIn(php)
    await registerApplication(php)
    return php
  }

  // use.ucwa.class.php createConversation(): no Accept header; importance, a 53-character
  // sessionContext, subject, telemetryId null, to, operationId; only 201 counts.
  function createConversation(php: Php, to: string): Promise<Wire> {
    return curl(php.baseserver + php.pathConversation, {
      method: 'POST',
      headers: [
        ['Referer', php.baseserver + php.pathXframe],
        ['Authorization', `Bearer ${php.token}`],
        ['Content-Type', 'application/json'],
        ['X-Ms-Origin', ORIGIN],
      ],
      body: JSON.stringify({
        importance: 'Normal',
        sessionContext: uniqidUuid(),
        subject: 'Build failed',
        telemetryId: null,
        to,
        operationId: php.operationId,
      }),
    })
  }

  // use.ucwa.class.php waitForAccept(): GET the events path with a 30 s curl limit and no
  // timeout parameter; looks in senders with rel "conversation" for an embedded messaging in
  // state connected/success and keeps its sendMessage and stopMessaging links; follows next.
  function pget(php: Php): Promise<Wire> {
    return curl(php.baseserver + php.pathEvents, {
      clientTimeoutMs: 30_000,
      headers: [
        ['Referer', php.baseserver + php.pathXframe],
        ['Accept', 'application/json'],
        ['Authorization', `Bearer ${php.token}`],
        ['X-Ms-Origin', ORIGIN],
      ],
    })
  }

  /** The embedded messaging of a conversation-sender event once connected, as the loop looks for it. */
  function connectedMessaging(batch: any): any {
    const conversations = batch.sender.filter((s: any) => String(s.rel).toLowerCase() === 'conversation')
    const events = conversations.flatMap((s: any) => s.events)
    return events
      .map((e: any) => e._embedded?.messaging)
      .filter((m: any) => ['connected', 'success'].includes(String(m?.state ?? '').toLowerCase()))
      .at(-1)
  }

  async function waitForAccept(php: Php): Promise<void> {
    for (;;) {
      const res = await pget(php)
      assert.equal(res.status, 200, res.text)
      const messaging = connectedMessaging(res.json)
      php.pathEvents = res.json._links.next.href
      if (messaging) {
        php.pathSend = messaging._links.sendMessage.href
        php.pathTerminate = messaging._links.stopMessaging.href
        return
      }
    }
  }

  // use.ucwa.class.php sendMessage() and terminateConversation(): a text/plain POST with the
  // xframe as Referer, the token and X-Ms-Origin, no Accept header.
  function postText(
    php: Php,
    path: string,
    text: string,
    limits: { clientTimeoutMs?: number } = {},
  ): Promise<Wire> {
    return curl(php.baseserver + path, {
      method: 'POST',
      ...limits,
      headers: [
        ['Referer', php.baseserver + php.pathXframe],
        ['Authorization', `Bearer ${php.token}`],
        ['Content-Type', 'text/plain; charset=UTF-8'],
        ['X-Ms-Origin', ORIGIN],
      ],
      body: text,
    })
  }

  let bob: Client
  before(async () => {
    bob = await signedInApp(w.t, 'bob')
    await available(bob)
    await bob.events()
  })

  it('autodiscovers over http://lyncdiscover.<domain> and lands on the home pool', async () => {
    const php = await autodiscover()
    assert.equal(php.baseserver, 'https://webext01.example.test')
    assert.match(
      php.pathUser,
      /^\/Autodiscover\/AutodiscoverService\.svc\/root\/oauth\/user\?originalDomain=example\.test$/,
    )
    assert.equal(php.pathXframe, '/Autodiscover/XFrame/XFrame.html')
  })

  it('finds the token path as the first href= in the header block of a HEAD on the user resource', async () => {
    const php = await autodiscover()
    await getOauthLink(php)
    assert.equal(php.pathOauth, '/WebTicket/oauthtoken')
  })

  it('signs in with a multipart/form-data password grant', async () => {
    const php = await autodiscover()
    await getOauthLink(php)
    await signIn(php)
    assert.match(php.token, /^cwt=/)
    assert.equal(php.pathApplication, '/ucwa/oauth/v1/applications')
  })

  it('registers with a 53-character endpointId and reuses the first key of communication as operationId', async () => {
    const php = await autodiscover()
    await getOauthLink(php)
    await signIn(php)
    const res = await registerApplication(php)
    // The trace's communication starts with the GUID-named "please pass this in a PUT request"
    // property (advocations/skype Skype/UCWA/CreateAnApplication.md): that is what the library
    // ends up sending as its operationId.
    assert.match(php.operationId, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/)
    assert.equal(res.json._embedded.communication[php.operationId], 'please pass this in a PUT request')
    assert.match(php.pathEvents, /\/events\?ack=1$/)
  })

  it('starts a conversation with a 53-character sessionContext and telemetryId null (201)', async () => {
    const php = await signedIn()
    const res = await createConversation(php, 'sip:bob@example.test')
    assert.equal(res.status, 201, res.text)
    const incoming = await acceptIncoming(bob)
    await next(bob)
    await bob.post(`${incoming.messaging}/terminate`)
    await bob.events()
  })

  it('waits for acceptance on the event channel, sends text/plain; charset=UTF-8, terminates with a text body', async () => {
    const php = await signedIn()
    const started = await createConversation(php, 'sip:bob@example.test')
    assert.equal(started.status, 201, started.text)
    const incoming = await acceptIncoming(bob)
    await waitForAccept(php)
    await next(bob)

    // use.ucwa.class.php sendMessage(): the raw text, no query string; only 201 counts.
    const sent = await postText(php, php.pathSend, 'Der Build ist fehlgeschlagen: 3 Tests rot, 97% grün', {
      clientTimeoutMs: 20_000,
    })
    assert.equal(sent.status, 201, sent.text)
    const received = (await next(bob)).find((e) => e.link.rel === 'message')
    assert.equal(
      dataText(received?._embedded.message._links.plainMessage.href ?? ''),
      'Der Build ist fehlgeschlagen: 3 Tests rot, 97% grün',
    )

    // use.ucwa.class.php terminateConversation(): POST stopMessaging with the body "Exterminate!"
    // as text/plain; only 204 counts.
    const ended = await postText(php, php.pathTerminate, 'Exterminate!')
    assert.equal(ended.status, 204, ended.text)
    assert.ok(incoming.messaging)
  })

  it('answers a P-GET without a timeout parameter before curl gives up at 30 s', async () => {
    const php = await signedIn()
    // Drain what sign-in queued (test setup, with a 1 s hold), then hold a P-GET on the quiet
    // channel the way waitForAccept() does: no timeout parameter, curl's 30 s limit.
    for (;;) {
      const res = await curl(`${php.baseserver + php.pathEvents}&timeout=1`, {
        headers: [['Authorization', `Bearer ${php.token}`]],
      })
      assert.equal(res.status, 200, res.text)
      php.pathEvents = res.json._links.next.href
      if (res.json.sender.length === 0) break
    }
    const quiet = await pget(php)
    assert.equal(quiet.status, 200, quiet.text)
    assert.deepEqual(quiet.json.sender, [])
    assert.match(quiet.json._links.next.href, /\/events\?ack=\d+$/)
  })
})
