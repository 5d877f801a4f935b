// Photos over real HTTP: the placeholder, photos set through UserService, ETag / 304, caching
// headers, cookie authentication (photo paths only) and other users' photos.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { MAX_PHOTO_BYTES } from '../../src/domain/contacts/photo.ts'
import { UserValidationError } from '../../src/domain/users/user-service.ts'
import { solidPng } from '../../src/http/hal/placeholder-photo.ts'
import { request, startTestServer, type TestServer } from '../helpers/server.ts'
import { type Client, HOME, signedInApp } from '../helpers/ucwa-client.ts'

const HOST = HOME.alice

/** The smallest thing that looks like a JPEG (SOI, a JFIF APP0 segment, EOI). */
const JPEG = Buffer.from([
  0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01,
  0x00, 0x00, 0xff, 0xd9,
])

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])

function pngSize(bytes: Buffer): { width: number; height: number } {
  assert.deepEqual(bytes.subarray(0, 8), PNG_SIGNATURE)
  assert.equal(bytes.subarray(12, 16).toString('latin1'), 'IHDR')
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) }
}

/** GET with raw bytes (the harness decodes bodies as text). */
async function getBytes(
  base: string,
  path: string,
  headers: Record<string, string>,
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  const { request: httpRequest } = await import('node:http')
  return new Promise((resolve, reject) => {
    const req = httpRequest(new URL(path, base), { headers: { host: HOST, ...headers } }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
      )
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end()
  })
}

describe('photos', () => {
  let t: TestServer
  let alice: Client
  let self: string
  let cookie: string
  let photoHref: string
  const bearer = () => ({ authorization: `Bearer ${alice.token}` })

  before(async () => {
    t = await startTestServer()
    alice = await signedInApp(t, 'alice', 'endpoint-1')
    self = alice.self
    photoHref = alice.created.json._embedded.me._links.photo.href
    const setCookie = alice.created.headers.get('set-cookie') ?? ''
    assert.match(setCookie, new RegExp(`^cwt_ucwa=cwt=[^;]+; Path=${self}/photos; HttpOnly`))
    cookie = setCookie.split(';')[0] ?? ''
  })
  after(() => t.stop())

  it('serves a placeholder PNG (48×48 by default, larger on request) when the user has no photo', async () => {
    assert.equal(photoHref, `${self}/photos/alice@example.test`)
    const res = await getBytes(t.internal, photoHref, bearer())
    assert.equal(res.status, 200)
    assert.equal(res.headers['content-type'], 'image/png')
    assert.deepEqual(pngSize(res.body), { width: 48, height: 48 })
    assert.match(String(res.headers.etag), /^"[^"]+"$/)
    assert.match(String(res.headers['cache-control']), /^private, max-age=\d+$/)
    assert.ok(Date.parse(String(res.headers.expires)) > Date.now(), 'Expires lies in the future')
    const big = await getBytes(t.internal, `${photoHref}?size=HR96X96`, bearer())
    assert.deepEqual(pngSize(big.body), { width: 96, height: 96 })
    assert.notEqual(big.headers.etag, res.headers.etag)
    const odd = await getBytes(t.internal, `${photoHref}?size=whatever`, bearer())
    assert.equal(odd.status, 200)
    assert.deepEqual(pngSize(odd.body), { width: 48, height: 48 })
    const huge = await getBytes(t.internal, `${photoHref}?size=HR9999X9999`, bearer())
    assert.deepEqual(pngSize(huge.body), { width: 648, height: 648 })
  })

  it('accepts any Accept header', async () => {
    for (const accept of ['image/png', 'image/jpeg', '*/*', 'application/json', 'application/xml']) {
      const res = await getBytes(t.internal, photoHref, { ...bearer(), accept })
      assert.equal(res.status, 200, accept)
      assert.equal(res.headers['content-type'], 'image/png', accept)
    }
  })

  it('serves a photo set through UserService with its type, ETag and 304 on If-None-Match', async () => {
    await t.server.users.setPhoto('bob@example.test', new Uint8Array(JPEG))
    const href = `${self}/photos/bob@example.test`
    const res = await getBytes(t.internal, href, bearer())
    assert.equal(res.status, 200)
    assert.equal(res.headers['content-type'], 'image/jpeg')
    assert.deepEqual(res.body, JPEG)
    const etag = String(res.headers.etag)
    const again = await getBytes(t.internal, `${href}?size=HR64X64`, { ...bearer(), 'if-none-match': etag })
    assert.equal(again.status, 304)
    assert.equal(again.body.length, 0)
    assert.equal(again.headers.etag, etag)
    // A new photo, a new ETag; the old one no longer matches.
    const png = solidPng(2, 2, [1, 2, 3])
    await t.server.users.setPhoto('sip:Bob@example.test', new Uint8Array(png))
    const changed = await getBytes(t.internal, href, { ...bearer(), 'if-none-match': etag })
    assert.equal(changed.status, 200)
    assert.equal(changed.headers['content-type'], 'image/png')
    assert.deepEqual(changed.body, png)
    assert.notEqual(changed.headers.etag, etag)
    // Removed again: back to the placeholder.
    await t.server.users.setPhoto('bob@example.test', null)
    assert.deepEqual(pngSize((await getBytes(t.internal, href, bearer())).body), { width: 48, height: 48 })
  })

  it("shows another user's photo, as Lync did (any form of the address; unknown users are 404)", async () => {
    await t.server.users.setPhoto('carol@other.test', new Uint8Array(JPEG))
    for (const form of ['carol@other.test', 'sip:Carol@Other.Test', 'sip%3Acarol%40other.test']) {
      const res = await getBytes(t.internal, `${self}/photos/${form}`, bearer())
      assert.equal(res.status, 200, form)
      assert.deepEqual(res.body, JPEG)
    }
    const missing = await alice.get(`${self}/photos/nobody@example.test`)
    assert.equal(missing.status, 404)
    assert.equal(missing.json.code, 'NotFound')
  })

  it('serves the caller’s own photo at the …/photo alias', async () => {
    await t.server.users.setPhoto('alice@example.test', new Uint8Array(JPEG))
    const res = await getBytes(t.internal, `${self}/photo`, bearer())
    assert.equal(res.status, 200)
    assert.deepEqual(res.body, JPEG)
    await t.server.users.setPhoto('alice@example.test', null)
  })

  it('accepts the cwt_ucwa cookie on photo paths only', async () => {
    const viaCookie = await getBytes(t.internal, photoHref, { cookie: `other=1; ${cookie}` })
    assert.equal(viaCookie.status, 200)
    assert.equal(viaCookie.headers['content-type'], 'image/png')
    const alias = await getBytes(t.internal, `${self}/photo`, { cookie })
    assert.equal(alias.status, 200)
    for (const path of [self, `${self}/me`, `${self}/people/contacts`, `${self}/people/bob@example.test`]) {
      const res = await request(t.internal, path, { host: HOST, headers: { cookie } })
      assert.equal(res.status, 401, path)
    }
    const wrong = await getBytes(t.internal, photoHref, { cookie: 'cwt_ucwa=cwt=not-a-token' })
    assert.equal(wrong.status, 401)
    const none = await getBytes(t.internal, photoHref, {})
    assert.equal(none.status, 401)
  })

  it('UserService.setPhoto takes only JPEG or PNG, up to the size limit', async () => {
    await assert.rejects(
      t.server.users.setPhoto('bob@example.test', new TextEncoder().encode('GIF89a not really')),
      (e: unknown) => e instanceof UserValidationError && /JPEG or PNG/.test(e.message),
    )
    const tooBig = new Uint8Array(MAX_PHOTO_BYTES + 1)
    tooBig.set(JPEG.subarray(0, 3))
    await assert.rejects(
      t.server.users.setPhoto('bob@example.test', tooBig),
      (e: unknown) => e instanceof UserValidationError && /at most/.test(e.message),
    )
    await assert.rejects(
      t.server.users.setPhoto('nobody@example.test', new Uint8Array(JPEG)),
      UserValidationError,
    )
    assert.equal(await t.server.users.photo('bob@example.test'), null)
  })
})
