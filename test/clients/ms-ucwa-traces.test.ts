// Microsoft's UCWA JavaScript samples as their published traces show them on the wire
// (advocations/skype Skype/UCWA/CreateAnApplication.md and SendAnIM.md; the libraries they use:
// AutoDiscoveryLibrary.md, GeneralHelperLibrary.md, TransportLibrary.md): a browser behind the
// XFrame, so `X-Ms-Origin`, `X-Requested-With: XMLHttpRequest`, the xframe as Referer,
// `Accept-Encoding: gzip, deflate` (and a body the browser decodes by Content-Encoding), the
// token POSTed to a lower-cased /webticket/oauthtoken with `charset='utf-8'`, the application
// origin taken from the xframe link (GeneralHelper.extractOriginFromAbsoluteUrl), a GUID
// sessionContext on startMessaging, `?OperationContext=<GUID>` on sendMessage and an empty
// stopMessaging POST.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { acceptIncoming, dataText, next } from '../helpers/messaging.ts'
import { PASSWORDS } from '../helpers/server.ts'
import type { Client } from '../helpers/ucwa-client.ts'
import { send, type Wire } from './helpers/wire.ts'
import { guid, startWorldWithBob, type World } from './helpers/world.ts'

const APP_ORIGIN = 'http://app.fabrikam.com'
const IE9 = 'Mozilla/5.0 (compatible; MSIE 9.0; Windows NT 6.1; WOW64; Trident/5.0)'

describe("Microsoft's UCWA samples, as traced in advocations/skype Skype/UCWA", () => {
  let w: World
  let bob: Client
  before(async () => {
    ;({ w, bob } = await startWorldWithBob())
  })
  after(() => w?.stop())

  /** Transport.js through the XFrame: the headers of every request in the traces. */
  function xhr(
    url: string,
    referer: string,
    options: { method?: string; token?: string; accept?: string; contentType?: string; body?: string } = {},
  ): Promise<Wire> {
    const headers: Array<[string, string]> = []
    if (options.token) headers.push(['Authorization', `Bearer ${options.token}`])
    if (options.accept !== undefined || options.method !== 'POST')
      headers.push(['Accept', options.accept ?? 'application/json'])
    if (options.contentType) headers.push(['Content-Type', options.contentType])
    headers.push(
      ['X-Ms-Origin', APP_ORIGIN],
      ['X-Requested-With', 'XMLHttpRequest'],
      ['Referer', referer],
      ['Accept-Language', 'en-us'],
      ['Accept-Encoding', 'gzip, deflate'],
      ['User-Agent', IE9],
      ['Connection', 'Keep-Alive'],
    )
    if (options.method === 'POST') headers.push(['Cache-Control', 'no-cache'])
    return send(w.dns, url, {
      method: options.method ?? 'GET',
      headers,
      body: options.body,
      gunzip: 'if-encoded',
    })
  }

  /** What IE does with a compressed body: it needs Content-Encoding, and Content-Length frames it. */
  function assertFramed(res: Wire): void {
    const length = res.any('Content-Length')[0]
    assert.ok(length !== undefined, 'no Content-Length')
    assert.equal(Number(length), res.rawLength)
  }

  /** CreateAnApplication.md steps 1–8. */
  async function signedIn(): Promise<{ token: string; user: any; xframe: string }> {
    const root = await xhr('https://lyncdiscover.example.test/', 'https://lyncdiscover.example.test/xframe')
    assert.equal(root.status, 200, root.text)
    const xframe: string = root.json._links.xframe.href
    const challenge = await xhr(root.json._links.user.href, xframe)
    assert.equal(challenge.status, 401)
    const tokenUrl = /MsRtcOAuth href="([^"]*)"/.exec(challenge.any('WWW-Authenticate').join('\n'))?.[1] ?? ''
    const token = await xhr(tokenUrl.replace('/WebTicket/oauthtoken', '/webticket/oauthtoken'), xframe, {
      method: 'POST',
      accept: 'application/json',
      contentType: "application/x-www-form-urlencoded;charset='utf-8'",
      body: `grant_type=password&username=alice@example.test&password=${PASSWORDS.alice}`,
    })
    assert.equal(token.status, 200, token.text)
    const user = await xhr(root.json._links.user.href, xframe, { token: token.json.access_token })
    assert.equal(user.status, 200, user.text)
    return { token: token.json.access_token, user: user.json, xframe }
  }

  it('discovers: loads <discover>/xframe, then GETs the root with the trace headers (absolute links, gzip framed)', async () => {
    const frame = await xhr('https://lyncdiscover.example.test/xframe', APP_ORIGIN, { accept: 'text/html' })
    assert.equal(frame.status, 200)
    assert.match(frame.any('Content-Type')[0] ?? '', /^text\/html/)
    const root = await xhr('https://lyncdiscover.example.test/', 'https://lyncdiscover.example.test/xframe')
    assert.equal(root.status, 200, root.text)
    assert.match(root.any('Content-Type')[0] ?? '', /^application\/json/)
    assertFramed(root)
    assert.deepEqual(Object.keys(root.json._links), ['self', 'user', 'xframe'])
    for (const link of Object.values<any>(root.json._links)) assert.match(link.href, /^https:\/\//)
  })

  it('gets the challenge as the trace shows it: two WWW-Authenticate lines, MsRtcOAuth on its own, an HTML body', async () => {
    const root = await xhr('https://lyncdiscover.example.test/', 'https://lyncdiscover.example.test/xframe')
    const res = await xhr(root.json._links.user.href, root.json._links.xframe.href)
    assert.equal(res.status, 401)
    const lines = res.exact('WWW-Authenticate')
    assert.equal(lines.length, 2, `WWW-Authenticate lines as sent: ${JSON.stringify(res.rawHeaders)}`)
    assert.match(lines[0] ?? '', /^Bearer trusted_issuers="[^"]+", client_id="[^"]+"$/)
    assert.match(
      lines[1] ?? '',
      /^MsRtcOAuth href="https:\/\/[^",=]+\/WebTicket\/oauthtoken",grant_type="[^"]*password[^"]*"$/,
    )
    assert.match(res.any('Content-Type')[0] ?? '', /^text\/html/)
  })

  it("takes a token at /webticket/oauthtoken with charset='utf-8' and an unencoded @", async () => {
    const { token } = await signedIn()
    assert.match(token, /^cwt=/)
  })

  it('creates the application; relative hrefs; the xframe origin (extractOriginFromAbsoluteUrl) serves them', async () => {
    const { token, user, xframe } = await signedIn()
    const res = await xhr(user._links.applications.href, xframe, {
      method: 'POST',
      token,
      accept: 'application/json',
      contentType: 'application/json',
      body: JSON.stringify({ UserAgent: 'UCWA Samples', EndpointId: guid(), Culture: 'en-US' }),
    })
    assert.equal(res.status, 201, res.text)
    assert.equal(res.any('Content-Type')[0], 'application/json; charset=utf-8')
    assertFramed(res)
    // Cookie attribute names are case-insensitive to the browser (RFC 6265).
    assert.match(
      res.any('Set-Cookie')[0] ?? '',
      /^cwt_ucwa=[^;]+; path=\/ucwa\/oauth\/v1\/applications\/\d+\/photos/i,
    )
    const domain = new URL(xframe).origin
    assert.equal(new URL(user._links.applications.href).origin, domain)
    const me = await xhr(domain + res.json._embedded.me._links.self.href, xframe, { token })
    assert.equal(me.status, 200, me.text)
  })

  it('sends an IM as SendAnIM.md does: GUID sessionContext, ?OperationContext=, text/plain, empty terminate', async () => {
    const { token, user, xframe } = await signedIn()
    const domain = new URL(xframe).origin
    const app = (
      await xhr(user._links.applications.href, xframe, {
        method: 'POST',
        token,
        accept: 'application/json',
        contentType: 'application/json',
        body: JSON.stringify({ UserAgent: 'UCWA Samples', EndpointId: guid(), Culture: 'en-US' }),
      })
    ).json
    const started = await xhr(domain + app._embedded.communication._links.startMessaging.href, xframe, {
      method: 'POST',
      token,
      accept: 'application/json',
      contentType: 'application/json',
      body: JSON.stringify({
        importance: 'Normal',
        sessionContext: guid(),
        subject: 'Task Sample',
        telemetryId: null,
        to: 'sip:bob@example.test',
        operationId: guid(),
      }),
    })
    assert.equal(started.status, 201, started.text)
    const invitation = await xhr(domain + (started.any('Location')[0] ?? ''), xframe, { token })
    assert.equal(invitation.status, 200, invitation.text)
    await acceptIncoming(bob)
    const messaging = invitation.json._links.messaging.href

    const sent = await xhr(`${domain}${messaging}/messages?OperationContext=${guid()}`, xframe, {
      method: 'POST',
      token,
      accept: 'application/json',
      contentType: 'text/plain',
      body: "What's up?",
    })
    assert.equal(sent.status, 201, sent.text)
    assert.match(sent.any('Location')[0] ?? '', /\/messaging\/messages\/\d+$/)
    const got = (await next(bob)).filter(
      (e) => e.link.rel === 'message' && e._embedded.message.direction === 'Incoming',
    )
    assert.deepEqual(
      got.map((e) => dataText(e._embedded.message._links.plainMessage.href)),
      ["What's up?"],
    )

    const stopped = await xhr(`${domain}${messaging}/terminate`, xframe, {
      method: 'POST',
      token,
      accept: 'application/json',
    })
    assert.equal(stopped.status, 204, stopped.text)
  })
})
