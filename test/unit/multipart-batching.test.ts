import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { boundaryOf, parseBatch, serializeBatch } from '../../src/http/batch/multipart-batching.ts'

describe('multipart/batching', () => {
  it('reads the boundary quoted or bare', () => {
    assert.equal(boundaryOf('multipart/batching;boundary=77f2569d'), '77f2569d')
    assert.equal(boundaryOf('multipart/batching; boundary="3968fb75"'), '3968fb75')
    assert.equal(boundaryOf('multipart/batching'), undefined)
  })

  it('parses the documented request form (CRLF, blank line after the part header)', () => {
    const body = [
      '--77f2569d',
      'Content-Type: application/http; msgtype=request',
      '',
      'GET /ucwa/oauth/v1/applications/103/people/contacts HTTP/1.1',
      'Host: pool.contoso.com',
      'Accept: application/json',
      '',
      '--77f2569d',
      'Content-Type: application/http;msgtype=request',
      '',
      'POST /ucwa/oauth/v1/applications/103/me/presence HTTP/1.1',
      'Content-Type: application/json',
      '',
      '{"availability":"Busy"}',
      '--77f2569d--',
      '',
    ].join('\r\n')
    const parts = parseBatch(body, '77f2569d')
    assert.deepEqual(parts, [
      {
        method: 'GET',
        target: '/ucwa/oauth/v1/applications/103/people/contacts',
        headers: { host: 'pool.contoso.com', accept: 'application/json' },
        body: '',
      },
      {
        method: 'POST',
        target: '/ucwa/oauth/v1/applications/103/me/presence',
        headers: { 'content-type': 'application/json' },
        body: '{"availability":"Busy"}',
      },
    ])
  })

  it('accepts LF only, no blank line after the part header, and the Batch.js "Data:" body header', () => {
    const body = [
      '--b',
      'Content-Type: application/http; msgtype=request',
      'POST /ucwa/oauth/v1/applications/1/me/note HTTP/1.1',
      'Data: {"message":"hi"}',
      '--b--',
    ].join('\n')
    assert.deepEqual(parseBatch(body, 'b'), [
      {
        method: 'POST',
        target: '/ucwa/oauth/v1/applications/1/me/note',
        headers: {},
        body: '{"message":"hi"}',
      },
    ])
  })

  it('refuses bodies that are not batches', () => {
    assert.equal(parseBatch('hello', 'b'), undefined)
    assert.equal(parseBatch('--b\r\nnot an http request\r\n--b--', 'b'), undefined)
  })

  it('writes strict responses: exact part header, CRLF, single-line bodies', () => {
    const text = serializeBatch(
      [{ status: 200, statusText: 'OK', headers: { 'content-type': 'application/json' }, body: '{\n"a":1}' }],
      'x',
    )
    assert.equal(
      text,
      '--x\r\nContent-Type: application/http; msgtype=response\r\n\r\nHTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n{"a":1}\r\n--x--\r\n',
    )
  })

  it('writes a header sent several times as one line each (a 401 names both challenges)', () => {
    const challenges = [
      'Bearer trusted_issuers="…"',
      'MsRtcOAuth href="https://pool/WebTicket/oauthtoken",grant_type="password"',
    ]
    const text = serializeBatch(
      [{ status: 401, statusText: 'Unauthorized', headers: { 'www-authenticate': challenges }, body: '' }],
      'x',
    )
    const lines = text.split('\r\n').filter((l) => l.startsWith('WWW-Authenticate: '))
    assert.deepEqual(
      lines,
      challenges.map((c) => `WWW-Authenticate: ${c}`),
    )
  })
})
