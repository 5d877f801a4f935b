// Autodiscover over real HTTP (docs/protocol.md §1, §12): the root, domain and user resources in
// their three representations, the XFrame page, the 401 challenge, the plain-HTTP first hop and
// an HTTPS listener. The Host header picks the pool, as DNS would in production.
import assert from 'node:assert/strict'
import { request as httpRequest } from 'node:http'
import { after, before, describe, it } from 'node:test'
import { gunzipSync } from 'node:zlib'
import { XMLParser } from 'fast-xml-parser'
import {
  PASSWORDS,
  request,
  signIn,
  startTestServer,
  type TestServer,
  topologyYaml,
} from '../helpers/server.ts'
import { startTlsTestServer, tlsListeners } from '../helpers/tls.ts'

const ROOT = '/Autodiscover/AutodiscoverService.svc/root'
const OAUTH_USER = `${ROOT}/oauth/user`
const WEBTICKET_USER = `${ROOT}/user`
const DOMAIN = `${ROOT}/domain`
const XFRAME = '/Autodiscover/XFrame/XFrame.html'
const XML_ACCEPT = 'application/vnd.microsoft.rtc.autodiscover+xml;v=1'
const XML_TYPE = 'application/vnd.microsoft.rtc.autodiscover+xml; v=1'
const VND_JSON_ACCEPT = 'application/vnd.microsoft.rtc.autodiscover+json;v=1'
const VND_JSON_TYPE = 'application/vnd.microsoft.rtc.autodiscover+json; v=1'

/** `http://127.0.0.1:PORT` → `PORT`. */
const portOf = (base: string): string => new URL(base).port

/** The absolute URLs a pool publishes at one origin (`http://pool01.example.test:1234`). */
function urlsAt(origin: string) {
  return {
    root: origin + ROOT,
    oauthUser: origin + OAUTH_USER,
    user: origin + WEBTICKET_USER,
    domain: origin + DOMAIN,
    xframe: origin + XFRAME,
    ucwaOAuth: `${origin}/ucwa/oauth/v1/applications`,
    ucwa: `${origin}/ucwa/v1/applications`,
    token: `${origin}/WebTicket/oauthtoken`,
  }
}

interface AutodiscoverXml {
  accessLocation: string
  /** The child element of AutodiscoverResponse: Root, User or Domain. */
  element: string
  links: Map<string, string>
}

const xmlParser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  isArray: (name) => name === 'Link',
})

function parseAutodiscoverXml(text: string): AutodiscoverXml {
  const doc = xmlParser.parse(text, true) as Record<string, any>
  const response = doc.AutodiscoverResponse
  assert.ok(response, 'AutodiscoverResponse element')
  const elements = Object.keys(response).filter((k) => !k.startsWith('@'))
  assert.equal(elements.length, 1, `exactly one child element, got ${elements.join(', ')}`)
  const element = elements[0]!
  const links = new Map<string, string>()
  for (const link of response[element].Link ?? []) {
    assert.ok(!links.has(link['@token']), `token ${link['@token']} appears once`)
    links.set(link['@token'], link['@href'])
  }
  return { accessLocation: response['@AccessLocation'], element, links }
}

/** vnd+json → the same shape as the XML, for the same checks. */
function parseVndJson(body: any): AutodiscoverXml {
  const elements = Object.keys(body).filter((k) => k !== 'AccessLocation')
  assert.equal(elements.length, 1)
  const element = elements[0]!
  assert.ok(Array.isArray(body[element].Links))
  const links = new Map<string, string>()
  for (const link of body[element].Links) links.set(link.token, link.href)
  return { accessLocation: body.AccessLocation, element, links }
}

interface RawResponse {
  status: number
  /** [name, value] pairs in wire order, names as sent. */
  rawHeaders: [string, string][]
  body: Buffer
}

/** A GET that keeps the raw header lines (the helper joins repeated headers) and the raw body. */
function rawGet(base: string, path: string, headers: Record<string, string>): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(new URL(path, base), { headers }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => {
        const pairs: [string, string][] = []
        for (let i = 0; i < res.rawHeaders.length; i += 2) {
          pairs.push([res.rawHeaders[i]!, res.rawHeaders[i + 1]!])
        }
        resolve({ status: res.statusCode ?? 0, rawHeaders: pairs, body: Buffer.concat(chunks) })
      })
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end()
  })
}

describe('autodiscover', () => {
  let t: TestServer
  /** Origins of the pools on the internal and external listeners. */
  let internal: (host: string) => ReturnType<typeof urlsAt>
  let external: (host: string) => ReturnType<typeof urlsAt>
  before(async () => {
    t = await startTestServer()
    internal = (host) => urlsAt(`http://${host}:${portOf(t.internal)}`)
    external = (host) => urlsAt(`http://${host}:${portOf(t.external)}`)
  })
  after(() => t.stop())

  describe('root resource', () => {
    it('answers at the service path in any casing, with or without a trailing slash', async () => {
      const expected = {
        _links: {
          self: { href: internal('pool01.example.test').root },
          user: { href: internal('pool01.example.test').oauthUser },
          xframe: { href: internal('pool01.example.test').xframe },
        },
      }
      for (const path of [
        ROOT,
        ROOT.toLowerCase(),
        ROOT.toUpperCase(),
        '/autodiscover/AutoDiscoverService.svc/Root',
        `${ROOT}/`,
      ]) {
        const res = await request(t.internal, path, { host: 'pool01.example.test' })
        assert.equal(res.status, 200, path)
        assert.deepEqual(res.json, expected, path)
      }
    })

    it('answers at / on lyncdiscover and lyncdiscoverinternal names, linking to the discovery pool', async () => {
      for (const host of [
        'lyncdiscover.example.test',
        'lyncdiscoverinternal.example.test',
        'LyncDiscoverInternal.Example.Test',
        `lyncdiscover.example.test:${portOf(t.internal)}`,
      ]) {
        const res = await request(t.internal, '/', { host })
        assert.equal(res.status, 200, host)
        // The Director answers for the domain; links stay on its own origin, never the
        // lyncdiscover name, and carry the domain the client asked about.
        const dir = internal('dir01.example.test')
        assert.deepEqual(
          res.json,
          {
            _links: {
              self: { href: `${dir.root}?originalDomain=example.test` },
              user: { href: `${dir.oauthUser}?originalDomain=example.test` },
              xframe: { href: dir.xframe },
            },
          },
          host,
        )
        assert.doesNotMatch(res.text, /lyncdiscover/i)
      }
    })

    it('serves the same root at / and at the service path on a lyncdiscover name', async () => {
      const slash = await request(t.internal, '/', { host: 'lyncdiscover.other.test' })
      const svc = await request(t.internal, ROOT, { host: 'lyncdiscover.other.test' })
      assert.equal(slash.status, 200)
      assert.equal(svc.status, 200)
      assert.deepEqual(slash.json, svc.json)
      assert.equal(
        slash.json._links.self.href,
        `${internal('dir01.example.test').root}?originalDomain=other.test`,
      )
    })

    it('answers / on any other host with a 404 UCWA error', async () => {
      for (const host of [
        'pool01.example.test',
        'webext01.example.test',
        '127.0.0.1',
        'discover.example.test',
      ]) {
        const res = await request(t.internal, '/', { host })
        assert.equal(res.status, 404, host)
        assert.match(res.headers.get('content-type') ?? '', /^application\/json/)
        assert.equal(res.json.code, 'NotFound', host)
      }
    })

    it('is JSON by default: no Accept, */*, application/json and a browser-style list', async () => {
      for (const accept of [
        undefined,
        '*/*',
        'application/json',
        'text/html,application/xhtml+xml,*/*;q=0.8',
      ]) {
        const res = await request(t.internal, ROOT, {
          host: 'pool01.example.test',
          headers: accept ? { accept } : {},
        })
        assert.equal(res.status, 200, String(accept))
        assert.match(res.headers.get('content-type') ?? '', /^application\/json(;|$)/, String(accept))
        assert.ok(res.json?._links?.self?.href, String(accept))
        // Real servers emit no rel on the root and no properties, only links.
        assert.deepEqual(Object.keys(res.json), ['_links'])
        assert.deepEqual(Object.keys(res.json._links).sort(), ['self', 'user', 'xframe'])
      }
    })

    it('links absolutely to the answering pool on the listener it was reached through', async () => {
      // Internal listener, pool01's external name: the listener decides the access location, the
      // Host header only the pool.
      const viaInternal = await request(t.internal, ROOT, { host: 'webext01.example.test' })
      assert.equal(viaInternal.json._links.user.href, internal('pool01.example.test').oauthUser)
      const viaExternal = await request(t.external, ROOT, { host: 'webext01.example.test' })
      assert.deepEqual(viaExternal.json, {
        _links: {
          self: { href: external('webext01.example.test').root },
          user: { href: external('webext01.example.test').oauthUser },
          xframe: { href: external('webext01.example.test').xframe },
        },
      })
      const pool02 = await request(t.external, ROOT, { host: 'pool02.example.test' })
      assert.equal(pool02.json._links.self.href, external('webext02.example.test').root)
      const lyncdiscover = await request(t.external, '/', { host: 'lyncdiscover.example.test' })
      assert.equal(
        lyncdiscover.json._links.user.href,
        `${external('dirext.example.test').oauthUser}?originalDomain=example.test`,
      )
      for (const link of Object.values<any>(lyncdiscover.json._links)) {
        assert.match(link.href, /^https?:\/\/[^/]+\//)
      }
    })

    it('carries originalDomain= from the originalDomain, Domain and sipuri query hints', async () => {
      const pool = internal('pool01.example.test')
      const cases: [string, string][] = [
        ['?originalDomain=other.test', 'other.test'],
        ['?originalDomain=Other.Test', 'other.test'],
        ['?sipuri=sip:carol@other.test', 'other.test'],
        ['?sipuri=carol@other.test', 'other.test'],
        ['?sipUri=sip:alice@example.test', 'example.test'],
        ['?Domain=other.test', 'other.test'],
      ]
      for (const [query, domain] of cases) {
        const res = await request(t.internal, ROOT + query, { host: 'pool01.example.test' })
        assert.equal(res.status, 200, query)
        assert.equal(res.json._links.self.href, `${pool.root}?originalDomain=${domain}`, query)
        assert.equal(res.json._links.user.href, `${pool.oauthUser}?originalDomain=${domain}`, query)
        assert.equal(res.json._links.xframe.href, pool.xframe, query)
      }
      // An explicit hint wins over the domain of the lyncdiscover name.
      const res = await request(t.internal, '/?originalDomain=other.test', {
        host: 'lyncdiscover.example.test',
      })
      assert.equal(
        res.json._links.self.href,
        `${internal('dir01.example.test').root}?originalDomain=other.test`,
      )
    })

    it('renders each hint into its own links, past the documents it keeps rendered', async () => {
      // Documents are rendered once per pool origin and hint, at most 64 hints each: a hint
      // beyond those, and the unhinted root between them, must still come out right.
      const pool = internal('pool01.example.test')
      for (let i = 0; i < 80; i++) {
        const domain = `d${i}.other.test`
        const hinted = await request(t.internal, `${ROOT}?originalDomain=${domain}`, {
          host: 'pool01.example.test',
        })
        assert.equal(hinted.json._links.self.href, `${pool.root}?originalDomain=${domain}`)
        assert.equal(hinted.json._links.user.href, `${pool.oauthUser}?originalDomain=${domain}`)
        const plain = await request(t.internal, ROOT, { host: 'pool01.example.test' })
        assert.equal(plain.json._links.self.href, pool.root)
      }
    })

    it('never echoes unsafe hints into links', async () => {
      const unsafe = [
        'ex"ample.test',
        "ex'ample.test",
        'example.test/evil',
        'evil.test/../x',
        '<script>alert(1)</script>',
        'example.test"><x',
        'a.test?x=1',
        'a.test#frag',
        'a b.test',
        'nodot',
        `${'a'.repeat(250)}.test`,
      ]
      for (const hint of unsafe) {
        for (const name of ['originalDomain', 'Domain']) {
          const query = `?${name}=${encodeURIComponent(hint)}`
          const res = await request(t.internal, ROOT + query, { host: 'pool01.example.test' })
          assert.equal(res.status, 200, query)
          assert.equal(res.json._links.self.href, internal('pool01.example.test').root, query)
          assert.doesNotMatch(res.text, /originalDomain/, query)
        }
        const sipuri = `?sipuri=${encodeURIComponent(`sip:alice@${hint}`)}`
        const res = await request(t.internal, ROOT + sipuri, { host: 'pool01.example.test' })
        assert.doesNotMatch(res.text, /originalDomain/, sipuri)
        // On a lyncdiscover name an unsafe hint falls back to the name's own domain.
        const ld = await request(t.internal, `/?originalDomain=${encodeURIComponent(hint)}`, {
          host: 'lyncdiscover.other.test',
        })
        assert.equal(
          ld.json._links.self.href,
          `${internal('dir01.example.test').root}?originalDomain=other.test`,
        )
      }
    })

    it('never echoes an unsafe lyncdiscover host name into links', async () => {
      for (const host of ['lyncdiscover.ex"am<ple/x', "lyncdiscover.a'b.test", 'lyncdiscover.a b.test']) {
        const res = await request(t.internal, '/', { host })
        assert.equal(res.status, 200, host)
        assert.equal(res.json._links.self.href, internal('dir01.example.test').root, host)
        assert.doesNotMatch(res.text, /originalDomain/, host)
      }
    })

    it('answers the autodiscover XML form with the exact content type', async () => {
      for (const accept of [XML_ACCEPT, 'application/vnd.microsoft.rtc.autodiscover+xml; v=1']) {
        const res = await request(t.internal, ROOT, { host: 'pool01.example.test', headers: { accept } })
        assert.equal(res.status, 200)
        assert.equal(res.headers.get('content-type'), XML_TYPE)
        assert.ok(res.text.startsWith('<?xml'), 'no BOM, XML declaration first')
        const xml = parseAutodiscoverXml(res.text)
        const pool = internal('pool01.example.test')
        assert.equal(xml.accessLocation, 'Internal')
        assert.equal(xml.element, 'Root')
        assert.deepEqual(
          Object.fromEntries(xml.links),
          {
            Domain: pool.domain,
            User: pool.user,
            OAuth: pool.oauthUser,
            Self: pool.root,
            'Internal/XFrame': pool.xframe,
          },
          accept,
        )
      }
      const ext = await request(t.external, '/', {
        host: 'lyncdiscover.example.test',
        headers: { accept: XML_ACCEPT },
      })
      assert.equal(ext.headers.get('content-type'), XML_TYPE)
      const xml = parseAutodiscoverXml(ext.text)
      assert.equal(xml.accessLocation, 'External')
      // The Root holds User and Domain (no Redirect), each on the Director's external origin.
      assert.equal(xml.links.get('User'), external('dirext.example.test').user)
      assert.equal(xml.links.get('Domain'), external('dirext.example.test').domain)
      assert.equal(xml.links.get('External/XFrame'), external('dirext.example.test').xframe)
      assert.equal(xml.links.has('Redirect'), false)
    })

    it('lets no query hint inject markup into the XML form', async () => {
      const res = await request(t.internal, `${ROOT}?originalDomain=${encodeURIComponent('"/><x y="')}`, {
        host: 'pool01.example.test',
        headers: { accept: XML_ACCEPT },
      })
      assert.equal(res.status, 200)
      const xml = parseAutodiscoverXml(res.text)
      assert.equal(xml.links.size, 5)
      assert.doesNotMatch(res.text, /<x /)
    })

    it('answers the autodiscover JSON (vnd+json) form', async () => {
      const res = await request(t.external, ROOT, {
        host: 'webext02.example.test',
        headers: { accept: VND_JSON_ACCEPT },
      })
      assert.equal(res.status, 200)
      assert.equal(res.headers.get('content-type'), VND_JSON_TYPE)
      const doc = parseVndJson(res.json)
      const pool = external('webext02.example.test')
      assert.equal(doc.accessLocation, 'External')
      assert.equal(doc.element, 'Root')
      assert.deepEqual(Object.fromEntries(doc.links), {
        Domain: pool.domain,
        User: pool.user,
        OAuth: pool.oauthUser,
        Self: pool.root,
        'External/XFrame': pool.xframe,
      })
    })

    it('answers HEAD with the headers of GET and no body', async () => {
      const get = await request(t.internal, ROOT, { host: 'pool01.example.test' })
      const head = await request(t.internal, ROOT, { host: 'pool01.example.test', method: 'HEAD' })
      assert.equal(head.status, 200)
      assert.equal(head.text, '')
      assert.equal(head.headers.get('content-type'), get.headers.get('content-type'))
      assert.equal(head.headers.get('content-length'), String(Buffer.byteLength(get.text)))
      const headXml = await request(t.internal, '/', {
        host: 'lyncdiscover.example.test',
        method: 'HEAD',
        headers: { accept: XML_ACCEPT },
      })
      assert.equal(headXml.status, 200)
      assert.equal(headXml.headers.get('content-type'), XML_TYPE)
      assert.equal(headXml.text, '')
    })

    it('gzips the root for clients that accept it', async () => {
      const res = await rawGet(t.internal, ROOT, { host: 'pool01.example.test', 'accept-encoding': 'gzip' })
      assert.equal(res.status, 200)
      const header = (name: string) => res.rawHeaders.find(([k]) => k.toLowerCase() === name)?.[1]
      assert.equal(header('content-encoding'), 'gzip')
      const body = JSON.parse(gunzipSync(res.body).toString('utf8'))
      assert.equal(body._links.self.href, internal('pool01.example.test').root)
    })
  })

  describe('XFrame page and domain resource', () => {
    it('serves the XFrame page at its path and at /xframe, as text/html', async () => {
      const cases: [string, string, string][] = [
        [t.internal, XFRAME, 'pool01.example.test'],
        [t.internal, XFRAME.toLowerCase(), 'pool01.example.test'],
        [t.internal, '/xframe', 'lyncdiscoverinternal.example.test'],
        [t.external, '/xframe', 'lyncdiscover.example.test'],
        [t.external, '/XFrame', 'lyncdiscover.example.test'],
      ]
      for (const [base, path, host] of cases) {
        const res = await request(base, path, { host })
        assert.equal(res.status, 200, `${host}${path}`)
        assert.match(res.headers.get('content-type') ?? '', /^text\/html(;|$)/)
        assert.match(res.text, /^<!DOCTYPE html>/i)
        assert.match(res.text, /postMessage/)
      }
    })

    it('the xframe link of the root leads to the page', async () => {
      const root = await request(t.internal, '/', { host: 'lyncdiscoverinternal.example.test' })
      const link = new URL(root.json._links.xframe.href)
      const page = await request(t.internal, link.pathname, { host: link.hostname })
      assert.equal(page.status, 200)
      assert.match(page.headers.get('content-type') ?? '', /^text\/html/)
    })

    it('serves the domain resource in all three forms', async () => {
      const pool = internal('pool01.example.test')
      const json = await request(t.internal, DOMAIN, { host: 'pool01.example.test' })
      assert.equal(json.status, 200)
      assert.deepEqual(json.json, { _links: { self: { href: pool.domain }, xframe: { href: pool.xframe } } })

      const xml = await request(t.internal, DOMAIN.toLowerCase(), {
        host: 'pool01.example.test',
        headers: { accept: XML_ACCEPT },
      })
      assert.equal(xml.headers.get('content-type'), XML_TYPE)
      const doc = parseAutodiscoverXml(xml.text)
      assert.equal(doc.accessLocation, 'Internal')
      assert.equal(doc.element, 'Domain')
      assert.equal(doc.links.get('Self'), pool.domain)
      assert.equal(doc.links.get('Internal/XFrame'), pool.xframe)

      const vnd = await request(t.external, DOMAIN, {
        host: 'lyncdiscover.example.test',
        headers: { accept: VND_JSON_ACCEPT },
      })
      assert.equal(vnd.headers.get('content-type'), VND_JSON_TYPE)
      const vdoc = parseVndJson(vnd.json)
      assert.equal(vdoc.accessLocation, 'External')
      assert.equal(vdoc.element, 'Domain')
      assert.equal(vdoc.links.get('Self'), external('dirext.example.test').domain)
      assert.equal(vdoc.links.get('External/XFrame'), external('dirext.example.test').xframe)
    })
  })

  describe('user resource', () => {
    it('challenges an anonymous GET with two WWW-Authenticate header lines', async () => {
      for (const path of [OAUTH_USER, WEBTICKET_USER, OAUTH_USER.toLowerCase()]) {
        const res = await rawGet(t.internal, path, { host: 'pool01.example.test' })
        assert.equal(res.status, 401, path)
        const challenges = res.rawHeaders
          .filter(([k]) => k.toLowerCase() === 'www-authenticate')
          .map(([, v]) => v)
        assert.equal(challenges.length, 2, 'Bearer and MsRtcOAuth, each on its own header line')
        const tokenUrl = internal('pool01.example.test').token
        assert.equal(
          challenges[0],
          'Bearer trusted_issuers="00000002-0000-0ff1-ce00-000000000000@example.test", ' +
            'client_id="00000004-0000-0ff1-ce00-000000000000"',
        )
        assert.equal(challenges[1], `MsRtcOAuth href="${tokenUrl}",grant_type="password"`)
        const contentType = res.rawHeaders.find(([k]) => k.toLowerCase() === 'content-type')?.[1]
        assert.match(contentType ?? '', /^text\/html/)
      }
    })

    it('shapes the MsRtcOAuth challenge so every known client parser finds the token URL', async () => {
      const cases: [string, string, string][] = [
        [t.internal, 'pool01.example.test', internal('pool01.example.test').token],
        [t.internal, 'lyncdiscoverinternal.example.test', internal('dir01.example.test').token],
        [t.external, 'webext02.example.test', external('webext02.example.test').token],
        [t.external, 'lyncdiscover.other.test', external('dirext.example.test').token],
      ]
      for (const [base, host, tokenUrl] of cases) {
        const res = await rawGet(base, OAUTH_USER, { host })
        assert.equal(res.status, 401)
        const msRtc = res.rawHeaders.find(
          ([k, v]) => k.toLowerCase() === 'www-authenticate' && v.startsWith('MsRtcOAuth'),
        )
        assert.ok(msRtc, 'MsRtcOAuth on its own header line')
        const value = msRtc[1]
        // Regex clients: a double-quoted href.
        assert.equal(/MsRtcOAuth href="([^"]*)"/.exec(value)?.[1], tokenUrl, host)
        // Split-on-`,`-then-`=` clients: no `,` or `=` inside the URL.
        assert.doesNotMatch(tokenUrl, /[,=?]/)
        const pairs = value
          .slice('MsRtcOAuth '.length)
          .split(',')
          .map((p) => p.split('='))
        assert.deepEqual(pairs, [
          ['href', `"${tokenUrl}"`],
          ['grant_type', '"password"'],
        ])
        // grant_type last: everything after it is the grant list.
        assert.equal(value.slice(value.indexOf('grant_type=') + 'grant_type='.length), '"password"')
        // First-URL-in-the-header-block clients.
        const block = res.rawHeaders.map(([k, v]) => `${k}: ${v}`).join('\r\n')
        assert.equal(/https?:\/\/[^"\s,]+/.exec(block)?.[0], tokenUrl, host)
        // Clients that see both challenges joined and look for the first href=.
        const joined = res.rawHeaders
          .filter(([k]) => k.toLowerCase() === 'www-authenticate')
          .map(([, v]) => v)
          .join(', ')
        assert.equal(/href="([^"]*)"/.exec(joined)?.[1], tokenUrl)
        // Never the lyncdiscover name.
        assert.doesNotMatch(tokenUrl, /lyncdiscover/)
      }
    })

    it('keeps a hostile lyncdiscover host name out of the challenge headers', async () => {
      const res = await rawGet(t.internal, OAUTH_USER, { host: 'lyncdiscover.a" href="//evil.test/x' })
      assert.equal(res.status, 401)
      const challenges = res.rawHeaders
        .filter(([k]) => k.toLowerCase() === 'www-authenticate')
        .map(([, v]) => v)
      assert.equal(challenges.length, 2)
      for (const c of challenges) assert.doesNotMatch(c, /evil/)
      assert.equal(
        /href="([^"]*)"/.exec(challenges.join(', '))?.[1],
        internal('dir01.example.test').token,
        'the first href= is still the token URL',
      )
    })

    it('challenges a bad, foreign or malformed credential the same way', async () => {
      const dirToken = await signIn(t.internal, 'dir01.example.test', 'bob@example.test', PASSWORDS.bob)
      const cases: Record<string, string>[] = [
        { authorization: 'Bearer cwt=not-a-real-token' },
        { authorization: 'Bearer' },
        { authorization: 'Basic YWxpY2U6cGFzc3dvcmQ=' },
        { authorization: `Bearer ${dirToken}` }, // issued by the Director, not pool01
        { 'x-ms-webticket': 'opaque=cwt=nope' },
      ]
      for (const headers of cases) {
        const res = await request(t.internal, OAUTH_USER, { host: 'pool01.example.test', headers })
        assert.equal(res.status, 401, JSON.stringify(headers))
        assert.match(res.headers.get('www-authenticate') ?? '', /MsRtcOAuth href="/)
      }
    })

    it("returns the home pool's internal URLs on the internal listener", async () => {
      const token = await signIn(t.internal, 'pool01.example.test', 'alice@example.test', PASSWORDS.alice)
      const res = await request(t.internal, OAUTH_USER, { host: 'pool01.example.test', token })
      assert.equal(res.status, 200)
      assert.match(res.headers.get('content-type') ?? '', /^application\/json/)
      assert.equal(res.headers.get('cache-control'), 'no-cache')
      const pool = internal('pool01.example.test')
      assert.deepEqual(res.json, {
        _links: {
          self: { href: pool.oauthUser },
          applications: { href: pool.ucwaOAuth, revision: '2' },
          xframe: { href: pool.xframe },
        },
      })
    })

    it("returns the home pool's external URLs on the external listener", async () => {
      const token = await signIn(t.external, 'webext01.example.test', 'alice@example.test', PASSWORDS.alice)
      const res = await request(t.external, OAUTH_USER, { host: 'webext01.example.test', token })
      assert.equal(res.status, 200)
      const pool = external('webext01.example.test')
      assert.deepEqual(res.json, {
        _links: {
          self: { href: pool.oauthUser },
          applications: { href: pool.ucwaOAuth, revision: '2' },
          xframe: { href: pool.xframe },
        },
      })
      assert.equal(
        res.json._links.applications.href,
        `http://webext01.example.test:${portOf(t.external)}/ucwa/oauth/v1/applications`,
      )
      // A token is bound to its pool, not to the listener: the same token works internally.
      const inside = await request(t.internal, OAUTH_USER, { host: 'pool01.example.test', token })
      assert.equal(inside.status, 200)
      assert.equal(inside.json._links.applications.href, internal('pool01.example.test').ucwaOAuth)
    })

    it('distinguishes the WebTicket flavour (/root/user) from the OAuth one (/root/oauth/user)', async () => {
      const token = await signIn(t.internal, 'pool01.example.test', 'bob@example.test', PASSWORDS.bob)
      const pool = internal('pool01.example.test')
      const webticket = await request(t.internal, WEBTICKET_USER, { host: 'pool01.example.test', token })
      assert.equal(webticket.status, 200)
      assert.equal(webticket.json._links.self.href, pool.user)
      assert.equal(webticket.json._links.applications.href, pool.ucwa)
      assert.match(webticket.json._links.applications.href, /\/ucwa\/v1\/applications$/)
      const oauth = await request(t.internal, OAUTH_USER, { host: 'pool01.example.test', token })
      assert.equal(oauth.json._links.self.href, pool.oauthUser)
      assert.match(oauth.json._links.applications.href, /\/ucwa\/oauth\/v1\/applications$/)
    })

    it('accepts the token as X-MS-WebTicket, with or without opaque=', async () => {
      const token = await signIn(t.internal, 'pool01.example.test', 'alice@example.test', PASSWORDS.alice)
      for (const ticket of [`opaque=${token}`, token, `  ${token}  `, `Opaque=${token}`]) {
        const res = await request(t.internal, WEBTICKET_USER, {
          host: 'pool01.example.test',
          headers: { 'x-ms-webticket': ticket, accept: XML_ACCEPT },
        })
        assert.equal(res.status, 200, ticket)
        const xml = parseAutodiscoverXml(res.text)
        assert.equal(xml.links.get('Ucwa'), internal('pool01.example.test').ucwa)
      }
    })

    it('answers the user resource as autodiscover XML with Internal/External twins', async () => {
      const token = await signIn(t.external, 'webext01.example.test', 'alice@example.test', PASSWORDS.alice)
      for (const [path, ucwa] of [
        [WEBTICKET_USER, 'ucwa'],
        [OAUTH_USER, 'ucwaOAuth'],
      ] as const) {
        const res = await request(t.external, path, {
          host: 'webext01.example.test',
          token,
          headers: { accept: XML_ACCEPT },
        })
        assert.equal(res.status, 200)
        assert.equal(res.headers.get('content-type'), XML_TYPE)
        const xml = parseAutodiscoverXml(res.text)
        assert.equal(xml.accessLocation, 'External')
        assert.equal(xml.element, 'User')
        const inside = internal('pool01.example.test')
        const outside = external('webext01.example.test')
        assert.equal(xml.links.get('Internal/Ucwa'), inside[ucwa])
        assert.equal(xml.links.get('External/Ucwa'), outside[ucwa])
        assert.equal(xml.links.get('Ucwa'), outside[ucwa], 'Ucwa follows the access location')
        assert.equal(xml.links.get('Internal/Autodiscover'), inside.root)
        assert.equal(xml.links.get('External/Autodiscover'), outside.root)
        assert.equal(xml.links.get('Internal/XFrame'), inside.xframe)
        assert.equal(xml.links.get('External/XFrame'), outside.xframe)
        assert.equal(xml.links.get('Self'), path === OAUTH_USER ? outside.oauthUser : outside.user)
        assert.equal(xml.links.has('Redirect'), false)
      }
    })

    it('answers the user resource as vnd+json (Exchange / Openfire shape)', async () => {
      const token = await signIn(t.internal, 'pool01.example.test', 'bob@example.test', PASSWORDS.bob)
      const res = await request(t.internal, OAUTH_USER, {
        host: 'pool01.example.test',
        token,
        headers: { accept: VND_JSON_ACCEPT },
      })
      assert.equal(res.status, 200)
      assert.equal(res.headers.get('content-type'), VND_JSON_TYPE)
      const doc = parseVndJson(res.json)
      assert.equal(doc.accessLocation, 'Internal')
      assert.equal(doc.element, 'User')
      // Openfire looks for User.Links[token == "Ucwa"].
      assert.equal(
        res.json.User.Links.find((l: any) => l.token === 'Ucwa')?.href,
        internal('pool01.example.test').ucwaOAuth,
      )
      assert.equal(doc.links.get('External/Ucwa'), external('webext01.example.test').ucwaOAuth)
      assert.equal(doc.links.get('Self'), internal('pool01.example.test').oauthUser)
    })

    it('redirects a user homed on another pool to that pool, per access location', async () => {
      // carol is homed on pool02 but asks pool01.
      const inToken = await signIn(t.internal, 'pool01.example.test', 'carol@other.test', PASSWORDS.carol)
      const inside = await request(t.internal, OAUTH_USER, { host: 'pool01.example.test', token: inToken })
      assert.equal(inside.status, 200)
      assert.deepEqual(inside.json, {
        _links: {
          self: { href: internal('pool01.example.test').oauthUser },
          redirect: { href: internal('pool02.example.test').root },
        },
      })
      const exToken = await signIn(t.external, 'webext01.example.test', 'carol@other.test', PASSWORDS.carol)
      const outside = await request(t.external, WEBTICKET_USER, {
        host: 'webext01.example.test',
        token: exToken,
      })
      assert.deepEqual(outside.json, {
        _links: {
          self: { href: external('webext01.example.test').user },
          redirect: { href: external('webext02.example.test').root },
        },
      })

      // Following the redirect: a new token from the home pool opens the user resource there.
      const redirect = new URL(inside.json._links.redirect.href)
      const root = await request(t.internal, redirect.pathname + redirect.search, { host: redirect.hostname })
      assert.equal(root.status, 200)
      assert.equal(root.json._links.user.href, internal('pool02.example.test').oauthUser)
      const home = await signIn(t.internal, redirect.hostname, 'carol@other.test', PASSWORDS.carol)
      const user = await request(t.internal, OAUTH_USER, { host: redirect.hostname, token: home })
      assert.equal(user.status, 200)
      assert.equal(user.json._links.applications.href, internal('pool02.example.test').ucwaOAuth)
      assert.equal(user.json._links.redirect, undefined)
    })

    it('has the Director redirect everybody to their home pool', async () => {
      for (const [sip, password, home] of [
        ['alice@example.test', PASSWORDS.alice, 'pool01.example.test'],
        ['carol@other.test', PASSWORDS.carol, 'pool02.example.test'],
      ] as const) {
        const token = await signIn(t.internal, 'dir01.example.test', sip, password)
        const res = await request(t.internal, OAUTH_USER, {
          host: 'lyncdiscoverinternal.example.test',
          token,
        })
        assert.equal(res.status, 200, sip)
        assert.equal(res.json._links.redirect.href, internal(home).root)
        assert.equal(res.json._links.applications, undefined)
        assert.equal(res.json._links.self.href, internal('dir01.example.test').oauthUser)
      }
    })

    it('renders the redirect as a Redirect token in XML and vnd+json', async () => {
      const token = await signIn(t.external, 'dirext.example.test', 'alice@example.test', PASSWORDS.alice)
      const target = external('webext01.example.test').root
      const xmlRes = await request(t.external, WEBTICKET_USER, {
        host: 'dirext.example.test',
        token,
        headers: { accept: XML_ACCEPT },
      })
      assert.equal(xmlRes.status, 200)
      assert.equal(xmlRes.headers.get('content-type'), XML_TYPE)
      const xml = parseAutodiscoverXml(xmlRes.text)
      assert.equal(xml.accessLocation, 'External')
      assert.equal(xml.element, 'User')
      assert.equal(xml.links.get('Redirect'), target)
      assert.equal(xml.links.has('Ucwa'), false)

      const vnd = await request(t.external, OAUTH_USER, {
        host: 'dirext.example.test',
        token,
        headers: { accept: VND_JSON_ACCEPT },
      })
      assert.equal(vnd.headers.get('content-type'), VND_JSON_TYPE)
      const doc = parseVndJson(vnd.json)
      assert.deepEqual(Object.fromEntries(doc.links), { Redirect: target })
    })
  })

  describe('plain-HTTP first hop (autodiscover-http)', () => {
    it('serves the root with AccessLocation External and links on the external origin', async () => {
      const dirext = external('dirext.example.test')
      const cases: [string, string][] = [
        ['/', 'lyncdiscover.example.test'],
        [ROOT, 'lyncdiscover.example.test'],
        [ROOT.toLowerCase(), 'LyncDiscover.Example.Test'],
      ]
      for (const [path, host] of cases) {
        const res = await request(t.discovery, path, { host })
        assert.equal(res.status, 200, path)
        assert.deepEqual(res.json, {
          _links: {
            self: { href: `${dirext.root}?originalDomain=example.test` },
            user: { href: `${dirext.oauthUser}?originalDomain=example.test` },
            xframe: { href: dirext.xframe },
          },
        })
        // Never a link back to the plain-HTTP hop itself.
        assert.doesNotMatch(res.text, new RegExp(`:${portOf(t.discovery)}/`))
      }
      const xml = await request(t.discovery, '/?sipuri=sip:carol@other.test', {
        host: 'lyncdiscoverinternal.example.test',
        headers: { accept: XML_ACCEPT },
      })
      assert.equal(xml.headers.get('content-type'), XML_TYPE)
      const doc = parseAutodiscoverXml(xml.text)
      assert.equal(doc.accessLocation, 'External', 'the port-80 hop always counts as external')
      assert.equal(doc.links.get('OAuth'), dirext.oauthUser)
      assert.equal(doc.links.get('External/XFrame'), dirext.xframe)
    })

    it('serves the XFrame page and the domain resource', async () => {
      const page = await request(t.discovery, '/xframe', { host: 'lyncdiscover.example.test' })
      assert.equal(page.status, 200)
      assert.match(page.headers.get('content-type') ?? '', /^text\/html/)
      const full = await request(t.discovery, XFRAME, { host: 'lyncdiscover.example.test' })
      assert.equal(full.status, 200)
      const domain = await request(t.discovery, DOMAIN, { host: 'lyncdiscover.example.test' })
      assert.equal(domain.status, 200)
      assert.equal(domain.json._links.self.href, external('dirext.example.test').domain)
    })

    it('serves no user resource, token endpoint or UCWA (credentials never cross it)', async () => {
      const token = await signIn(t.internal, 'dir01.example.test', 'alice@example.test', PASSWORDS.alice)
      for (const path of [OAUTH_USER, WEBTICKET_USER]) {
        for (const auth of [undefined, token]) {
          const res = await request(t.discovery, path, {
            host: 'lyncdiscover.example.test',
            ...(auth ? { token: auth } : {}),
          })
          assert.equal(res.status, 404, path)
          assert.equal(res.headers.get('www-authenticate'), null, 'no challenge inviting credentials')
        }
      }
      const form = new URLSearchParams({
        grant_type: 'password',
        username: 'alice@example.test',
        password: PASSWORDS.alice,
      }).toString()
      for (const path of ['/WebTicket/oauthtoken', '/webticket/oauthtoken']) {
        const res = await request(t.discovery, path, {
          host: 'lyncdiscover.example.test',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: form,
        })
        assert.equal(res.status, 404, path)
        assert.equal(res.json?.access_token, undefined)
      }
      const app = await request(t.discovery, '/ucwa/oauth/v1/applications', {
        host: 'dir01.example.test',
        token,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ UserAgent: 'test', EndpointId: 'e1', Culture: 'en-US' }),
      })
      assert.equal(app.status, 404)
      const ucwaGet = await request(t.discovery, '/ucwa/v1/applications', {
        host: 'dir01.example.test',
        token,
      })
      assert.equal(ucwaGet.status, 404)
    })
  })
})

describe('autodiscover over HTTPS', () => {
  let t: TestServer
  before(async () => {
    t = await startTlsTestServer((tls) => ({ listeners: tlsListeners(tls) }))
  })
  after(() => t?.stop())

  it('binds TLS listeners', () => {
    assert.match(t.internal, /^https:\/\//)
    assert.match(t.external, /^https:\/\//)
    assert.match(t.discovery, /^http:\/\//)
  })

  it('answers the root over https with https links on the pool origin', async () => {
    const res = await request(t.internal, '/', { host: 'lyncdiscoverinternal.example.test' })
    assert.equal(res.status, 200)
    const dir = urlsAt(`https://dir01.example.test:${portOf(t.internal)}`)
    assert.deepEqual(res.json, {
      _links: {
        self: { href: `${dir.root}?originalDomain=example.test` },
        user: { href: `${dir.oauthUser}?originalDomain=example.test` },
        xframe: { href: dir.xframe },
      },
    })
    const ext = await request(t.external, ROOT, {
      host: 'webext01.example.test',
      headers: { accept: XML_ACCEPT },
    })
    const xml = parseAutodiscoverXml(ext.text)
    const pool = urlsAt(`https://webext01.example.test:${portOf(t.external)}`)
    assert.equal(xml.accessLocation, 'External')
    assert.equal(xml.links.get('OAuth'), pool.oauthUser)
    assert.equal(xml.links.get('Self'), pool.root)
  })

  it('hands out the https external origin from the plain-HTTP first hop', async () => {
    const res = await request(t.discovery, '/', { host: 'lyncdiscover.example.test' })
    assert.equal(res.status, 200)
    const dirext = urlsAt(`https://dirext.example.test:${portOf(t.external)}`)
    assert.equal(res.json._links.self.href, `${dirext.root}?originalDomain=example.test`)
    assert.equal(res.json._links.user.href, `${dirext.oauthUser}?originalDomain=example.test`)
    assert.equal(res.json._links.xframe.href, dirext.xframe)
  })

  it('signs in and challenges with https token URLs', async () => {
    const challenge = await request(t.external, OAUTH_USER, { host: 'webext01.example.test' })
    assert.equal(challenge.status, 401)
    assert.match(
      challenge.headers.get('www-authenticate') ?? '',
      new RegExp(
        `MsRtcOAuth href="https://webext01\\.example\\.test:${portOf(t.external)}/WebTicket/oauthtoken"`,
      ),
    )
    const token = await signIn(t.external, 'webext01.example.test', 'alice@example.test', PASSWORDS.alice)
    const user = await request(t.external, OAUTH_USER, { host: 'webext01.example.test', token })
    assert.equal(user.status, 200)
    assert.equal(
      user.json._links.applications.href,
      `https://webext01.example.test:${portOf(t.external)}/ucwa/oauth/v1/applications`,
    )
  })
})

describe('autodiscover behind a TLS-terminating proxy, per-domain discovery pools', () => {
  let t: TestServer
  before(async () => {
    const yaml = topologyYaml(
      `
  - { address: 127.0.0.1, port: 0, kind: internal }
  - { address: 127.0.0.1, port: 0, kind: external, public: { scheme: https, port: 443 } }
  - { address: 127.0.0.1, port: 0, kind: autodiscover-http }`,
    ).replace('  - name: other.test\n', '  - name: other.test\n    discoveryPool: pool02.example.test\n')
    assert.match(yaml, /discoveryPool: pool02/)
    t = await startTestServer({ yaml })
  })
  after(() => t.stop())

  it('publishes the external origin as the proxy does (https, standard port omitted)', async () => {
    const res = await request(t.discovery, '/', { host: 'lyncdiscover.example.test' })
    assert.equal(res.status, 200)
    assert.deepEqual(res.json, {
      _links: {
        self: { href: `https://dirext.example.test${ROOT}?originalDomain=example.test` },
        user: { href: `https://dirext.example.test${OAUTH_USER}?originalDomain=example.test` },
        xframe: { href: `https://dirext.example.test${XFRAME}` },
      },
    })
    const challenge = await request(t.external, OAUTH_USER, { host: 'webext01.example.test' })
    assert.match(
      challenge.headers.get('www-authenticate') ?? '',
      /MsRtcOAuth href="https:\/\/webext01\.example\.test\/WebTicket\/oauthtoken"/,
    )
    // The internal listener is unaffected.
    const inside = await request(t.internal, ROOT, { host: 'pool01.example.test' })
    assert.equal(inside.json._links.self.href, `http://pool01.example.test:${portOf(t.internal)}${ROOT}`)
  })

  it("answers a domain's lyncdiscover name from that domain's discovery pool", async () => {
    const other = await request(t.external, '/', { host: 'lyncdiscover.other.test' })
    assert.equal(
      other.json._links.self.href,
      `https://webext02.example.test${ROOT}?originalDomain=other.test`,
    )
    const hinted = await request(t.discovery, '/?sipuri=sip:carol@other.test', {
      host: 'lyncdiscover.example.test',
    })
    assert.equal(
      hinted.json._links.user.href,
      `https://webext02.example.test${OAUTH_USER}?originalDomain=other.test`,
    )
    const def = await request(t.external, '/', { host: 'lyncdiscover.example.test' })
    assert.equal(def.json._links.self.href, `https://dirext.example.test${ROOT}?originalDomain=example.test`)
    // A pool's own name always answers for itself, whatever the hint.
    const own = await request(t.external, `${ROOT}?originalDomain=other.test`, {
      host: 'webext01.example.test',
    })
    assert.equal(own.json._links.self.href, `https://webext01.example.test${ROOT}?originalDomain=other.test`)
  })

  it('answers a hinted domain from its discovery pool on a host name the topology does not know', async () => {
    // e.g. a reverse proxy's own name, or Exchange's `<prefix>.<domain>/autodiscover/…?sipuri=`.
    const res = await request(t.external, `${ROOT}?sipuri=sip:carol@other.test`, {
      host: 'proxy.example.test',
    })
    assert.equal(res.status, 200)
    assert.equal(res.json._links.self.href, `https://webext02.example.test${ROOT}?originalDomain=other.test`)
  })
})
