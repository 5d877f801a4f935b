// For every action: the old snapshot plus the events emitted equals a fresh GET (style rule 36).
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { assertConsistent, type Client } from '../helpers/consistency.ts'
import {
  createApplication,
  PASSWORDS,
  request,
  signIn,
  startTestServer,
  type TestServer,
} from '../helpers/server.ts'

const HOST = 'pool01.example.test'
const MIN = 60_000

interface Endpoint extends Client {
  readonly self: string
  post(path: string, body?: unknown): Promise<unknown>
  put(path: string, etag: string, body: unknown): Promise<{ status: number }>
}

async function open(
  t: TestServer,
  user: 'alice' | 'bob',
  endpointId: string,
  type?: string,
): Promise<Endpoint> {
  const token = await signIn(t.internal, HOST, `${user}@example.test`, PASSWORDS[user])
  const app = await createApplication(t.internal, HOST, token, {
    UserAgent: 'consistency/1.0',
    EndpointId: endpointId,
    Culture: 'en-US',
    ...(type ? { Type: type } : {}),
  })
  const self: string = app.json._links.self.href
  return {
    name: `${user}/${endpointId}`,
    self,
    next: app.json._links.events.href,
    get: (path) => request(t.internal, path, { host: HOST, token }),
    put: (path, etag, body) =>
      request(t.internal, path, {
        host: HOST,
        token,
        method: 'PUT',
        headers: { 'content-type': 'application/json', 'if-match': etag },
        body: JSON.stringify(body),
      }),
    post: (path, body) =>
      request(t.internal, `${self}${path}`, {
        host: HOST,
        token,
        headers: { 'content-type': 'application/json' },
        body: body === undefined ? '' : JSON.stringify(body),
      }),
  }
}

const own = (e: Endpoint) => [
  `${e.self}/me`,
  `${e.self}/me/presence`,
  `${e.self}/me/note`,
  `${e.self}/me/location`,
  `${e.self}/communication`,
]

describe('event consistency: presence actions', () => {
  let t: TestServer
  before(async () => {
    t = await startTestServer()
  })
  after(() => t.stop())

  it('holds for the acting endpoint and the user’s other endpoint on every action', async () => {
    const web = await open(t, 'alice', 'web')
    const phone = await open(t, 'alice', 'phone', 'Phone')
    const observers = () => [
      { client: web, hrefs: own(web) },
      { client: phone, hrefs: own(phone) },
    ]
    const actions: [string, () => Promise<unknown>][] = [
      [
        'makeMeAvailable (web)',
        () => web.post('/me/makeMeAvailable', { supportedModalities: ['Messaging'] }),
      ],
      ['makeMeAvailable (phone)', () => phone.post('/me/makeMeAvailable', {})],
      ['set Busy', () => web.post('/me/presence', { availability: 'Busy' })],
      ['set DoNotDisturb from the phone', () => phone.post('/me/presence', { availability: 'DoNotDisturb' })],
      ['reset to automatic', () => web.post('/me/presence', {})],
      ['set a note', () => web.post('/me/note', { message: 'consistency' })],
      ['set a location', () => phone.post('/me/location', { location: 'Lab' })],
      ['clear the note', () => web.post('/me/note', { message: '' })],
      ['report activity', () => phone.post('/me/reportMyActivity')],
      [
        'both endpoints go idle',
        async () => {
          t.clock.advance(6 * MIN)
          await t.server.presence.tick()
        },
      ],
      ['the phone reports activity again', () => phone.post('/me/reportMyActivity')],
      [
        'an out-of-office note is set by the admin',
        () => t.server.users.update('alice@example.test', { outOfOfficeNote: 'Away this week' }),
      ],
      [
        'PUT communication',
        async () => {
          const comm = await web.get(`${web.self}/communication`)
          const res = await web.put(`${web.self}/communication`, comm.headers.get('etag') ?? '', {
            ...comm.json,
            supportedMessageFormats: ['Plain', 'Html'],
          })
          assert.equal(res.status, 204)
        },
      ],
    ]
    for (const [label, action] of actions) await assertConsistent(observers(), action, label)
  })
})
