// POST …/batch runs each part as the caller, in order, and answers in the strict response form.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import {
  createApplication,
  PASSWORDS,
  request,
  signIn,
  startTestServer,
  type TestServer,
} from '../helpers/server.ts'

const HOST = 'pool01.example.test'

function batchBody(boundary: string, parts: string[]): string {
  return `${parts.map((p) => `--${boundary}\r\nContent-Type: application/http; msgtype=request\r\n\r\n${p}\r\n`).join('')}--${boundary}--\r\n`
}

function responseParts(text: string, boundary: string): { status: number; body: string }[] {
  return text
    .split(`--${boundary}`)
    .slice(1, -1)
    .map((part) => {
      assert.match(part, /^\r\nContent-Type: application\/http; msgtype=response\r\n\r\nHTTP\/1\.1 /)
      const status = Number(/HTTP\/1\.1 (\d{3})/.exec(part)?.[1])
      const lines = part.split('\r\n').filter((l) => l !== '')
      return { status, body: lines.at(-1) ?? '' }
    })
}

describe('batch', () => {
  let t: TestServer
  let token: string
  let app: string
  let bobApp: string
  before(async () => {
    t = await startTestServer()
    token = await signIn(t.internal, HOST, 'alice@example.test', PASSWORDS.alice)
    app = (await createApplication(t.internal, HOST, token)).json._links.self.href
    const bobToken = await signIn(t.internal, HOST, 'bob@example.test', PASSWORDS.bob)
    bobApp = (await createApplication(t.internal, HOST, bobToken)).json._links.self.href
  })
  after(() => t.stop())

  const post = (body: string, contentType = 'multipart/batching;boundary=77f2569d') =>
    request(t.internal, `${app}/batch`, { host: HOST, token, headers: { 'content-type': contentType }, body })

  it('runs every part as the caller and answers in order', async () => {
    const res = await post(
      batchBody('77f2569d', [
        `GET ${app}/people HTTP/1.1\r\nHost: ${HOST}\r\nAccept: application/json\r\n`,
        `GET ${app}/policies HTTP/1.1\r\nAccept: application/json\r\n`,
        `GET ${bobApp} HTTP/1.1\r\n`,
        `GET ${app}/nothing-here HTTP/1.1\r\n`,
      ]),
    )
    assert.equal(res.status, 200)
    const boundary = /boundary="([^"]+)"/.exec(res.headers.get('content-type') ?? '')?.[1] ?? ''
    assert.ok(boundary)
    const parts = responseParts(res.text, boundary)
    assert.deepEqual(
      parts.map((p) => p.status),
      [200, 200, 404, 404],
    )
    assert.equal(JSON.parse(parts[0]!.body).rel, 'people')
    assert.equal(JSON.parse(parts[1]!.body).rel, 'policies')
    // Bob's application is not Alice's to read, inside a batch as outside.
    assert.equal(JSON.parse(parts[2]!.body).subcode, 'ApplicationNotFound')
  })

  it('carries part bodies to PUTs and keeps If-Match', async () => {
    const comm = await request(t.internal, `${app}/communication`, { host: HOST, token })
    const etag = comm.headers.get('etag')!
    const put = JSON.stringify({ ...comm.json, supportedMessageFormats: ['Plain', 'Html'] })
    const res = await post(
      batchBody('b1', [
        `PUT ${app}/communication HTTP/1.1\r\nContent-Type: application/json\r\nIf-Match: ${etag}\r\n\r\n${put}`,
      ]),
      'multipart/batching; boundary="b1"',
    )
    const boundary = /boundary="([^"]+)"/.exec(res.headers.get('content-type') ?? '')?.[1] ?? ''
    assert.deepEqual(
      responseParts(res.text, boundary).map((p) => p.status),
      [204],
    )
    const after = await request(t.internal, `${app}/communication`, { host: HOST, token })
    assert.deepEqual(after.json.supportedMessageFormats, ['Plain', 'Html'])
  })

  it('refuses nested batches, events and photos inside a batch', async () => {
    const res = await post(
      batchBody('77f2569d', [`POST ${app}/batch HTTP/1.1\r\n`, `GET ${app}/events?ack=1 HTTP/1.1\r\n`]),
    )
    const boundary = /boundary="([^"]+)"/.exec(res.headers.get('content-type') ?? '')?.[1] ?? ''
    assert.deepEqual(
      responseParts(res.text, boundary).map((p) => p.status),
      [400, 400],
    )
  })

  it('rejects a body that is not a batch, and over-long batches, without running anything', async () => {
    const bad = await post('not a batch')
    assert.equal(bad.status, 400)
    assert.equal(bad.json.subcode, 'DeserializationFailure')
    const parts = Array.from({ length: 101 }, () => `DELETE ${app} HTTP/1.1\r\n`)
    const tooMany = await post(batchBody('77f2569d', parts))
    assert.equal(tooMany.status, 429)
    const still = await request(t.internal, app, { host: HOST, token })
    assert.equal(still.status, 200)
  })

  it('needs a token like any UCWA resource', async () => {
    const res = await request(t.internal, `${app}/batch`, {
      host: HOST,
      headers: { 'content-type': 'multipart/batching;boundary=b' },
      body: batchBody('b', [`GET ${app} HTTP/1.1\r\n`]),
    })
    assert.equal(res.status, 401)
  })
})
