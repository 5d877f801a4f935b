// The admin REST API over real HTTP (docs/policies.md): the OpenAPI document validates and every
// response is checked against it; authentication and the admin role; internal listeners only by
// default; CRUD, grants, effective policy, audit; bad input answers 400/404/409 and changes nothing;
// a change through the API reaches a signed-in client at once.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { OpenApi } from '../helpers/openapi.ts'
import { LONG_HOLD, parked as waiting } from '../helpers/pget.ts'
import {
  type HttpResponse,
  PASSWORDS,
  request,
  signIn,
  startTestServer,
  type TestServer,
} from '../helpers/server.ts'
import { ADDRESS, eventsOf, HOME, signedInApp } from '../helpers/ucwa-client.ts'

const HOST = HOME.alice
const P = '/admin/v1'

let t: TestServer
let api: OpenApi
let adminToken: string
let bobToken: string

before(async () => {
  t = await startTestServer()
  await t.server.policies.setAdmin(ADDRESS.alice, true, 'test-setup')
  adminToken = await signIn(t.internal, HOST, ADDRESS.alice, PASSWORDS.alice)
  bobToken = await signIn(t.internal, HOST, ADDRESS.bob, PASSWORDS.bob)
  const doc = await request(t.internal, `${P}/openapi.json`, { host: HOST })
  assert.equal(doc.status, 200)
  api = new OpenApi(doc.json)
})
after(() => t.stop())

/** One admin API call, checked against the document (`template` names the documented path). */
async function call(
  method: string,
  template: string,
  path: string,
  body?: unknown,
  options: { token?: string | null; base?: string } = {},
): Promise<HttpResponse> {
  const token = options.token === undefined ? adminToken : options.token
  const res = await request(options.base ?? t.internal, `${P}${path}`, {
    method,
    host: HOST,
    ...(token ? { token } : {}),
    ...(body === undefined
      ? {}
      : {
          headers: { 'content-type': 'application/json' },
          body: typeof body === 'string' ? body : JSON.stringify(body),
        }),
  })
  api.check(res, method, `${P}${template}`)
  return res
}

/** Everything an admin can see, to show a refused request changed nothing. */
async function everything(): Promise<string> {
  const lists = await Promise.all(
    ['mobility-policy', 'mcx-config', 'push-config'].map((k) => call('GET', `/${k}`, `/${k}`)),
  )
  const audit = await call('GET', '/audit', '/audit?limit=1000')
  return JSON.stringify([...lists.map((r) => r.json), audit.json.items.length])
}

describe('admin API', () => {
  it('serves a valid OpenAPI 3.1 document at a stable path, without a token', () => {
    api.validateDocument()
    assert.equal(api.doc.openapi, '3.1.0')
    for (const path of [
      '/mobility-policy',
      '/mcx-config/{identity}',
      '/users/{user}/mobility-policy',
      '/audit',
    ]) {
      assert.ok(api.doc.paths[`${P}${path}`], path)
    }
  })

  it('needs a bearer token (401) of a user with the admin role (403)', async () => {
    const none = await call('GET', '/mobility-policy', '/mobility-policy', undefined, { token: null })
    assert.equal(none.status, 401)
    assert.match(none.headers.get('www-authenticate') ?? '', /^Bearer/)
    const bob = await call('GET', '/mobility-policy', '/mobility-policy', undefined, { token: bobToken })
    assert.equal(bob.status, 403)
    assert.match(bob.json.message, /admin role/)
  })

  it('is served on internal listeners only by default', async () => {
    const outside = await request(t.external, `${P}/mobility-policy`, {
      host: 'webext01.example.test',
      token: adminToken,
    })
    assert.equal(outside.status, 404)
    const doc = await request(t.external, `${P}/openapi.json`, { host: 'webext01.example.test' })
    assert.equal(doc.status, 404)
  })

  it('New, Get, Set, Grant, effective policy and Remove, like the cmdlets', async () => {
    const list = await call('GET', '/mobility-policy', '/mobility-policy')
    assert.deepEqual(
      list.json.items.map((i: any) => i.identity),
      ['Global'],
    )
    const created = await call('POST', '/mobility-policy', '/mobility-policy', {
      identity: 'tag:NoCallViaWork',
      settings: { EnableOutsideVoice: false, Description: 'no Call via Work' },
    })
    assert.equal(created.status, 201)
    assert.equal(created.json.identity, 'Tag:NoCallViaWork')
    const got = await call('GET', '/mobility-policy/{identity}', '/mobility-policy/TAG:nocallviawork')
    assert.equal(got.json.settings.EnableOutsideVoice, false)
    const set = await call('PATCH', '/mobility-policy/{identity}', '/mobility-policy/Tag:NoCallViaWork', {
      settings: { RequireWiFiForSharing: true },
    })
    assert.equal(set.json.settings.RequireWiFiForSharing, true)
    assert.equal(set.json.settings.EnableOutsideVoice, false)

    const granted = await call(
      'PUT',
      '/users/{user}/mobility-policy',
      '/users/bob@example.test/mobility-policy',
      {
        policy: 'NoCallViaWork',
      },
    )
    assert.equal(granted.json.granted, 'NoCallViaWork')
    assert.equal(granted.json.mobility.source, 'Tag:NoCallViaWork')
    const effective = await call(
      'GET',
      '/users/{user}/effective-policy',
      '/users/bob@example.test/effective-policy',
    )
    assert.equal(effective.json.clientPolicies.sharingOnlyOnWifi, 'Enabled')
    assert.equal(effective.json.site, 'Redmond')

    const tags = await call('GET', '/mobility-policy', '/mobility-policy?filter=tag:*')
    assert.deepEqual(
      tags.json.items.map((i: any) => [i.identity, i.assignedUsers]),
      [['Tag:NoCallViaWork', 1]],
    )
    const inUse = await call('DELETE', '/mobility-policy/{identity}', '/mobility-policy/Tag:NoCallViaWork')
    assert.equal(inUse.status, 409)
    assert.match(inUse.json.message, /granted to 1 user/)
    const removed = await call(
      'DELETE',
      '/mobility-policy/{identity}',
      '/mobility-policy/Tag:NoCallViaWork?force=true',
    )
    assert.equal(removed.status, 204)
    const after = await call(
      'GET',
      '/users/{user}/effective-policy',
      '/users/bob@example.test/effective-policy',
    )
    assert.equal(after.json.granted, null)
    assert.equal(after.json.mobility.source, 'Global')

    await call('PATCH', '/mobility-policy/{identity}', '/mobility-policy/Global', {
      settings: { EnableMobility: false },
    })
    const reset = await call('DELETE', '/mobility-policy/{identity}', '/mobility-policy/global')
    assert.equal(reset.status, 200)
    assert.equal(reset.json.settings.EnableMobility, true)
  })

  it('Mcx at web-server scope and push at site scope', async () => {
    const mcx = await call('POST', '/mcx-config', '/mcx-config', {
      identity: 'Service:WebServer:pool02.example.test',
      settings: { ExposedWebURL: 'Internal', SessionExpirationInterval: 7200 },
    })
    assert.equal(mcx.status, 201)
    const push = await call('POST', '/push-config', '/push-config', {
      identity: 'Site:Dublin',
      settings: { EnableFirebaseCloudMessaging: true, EnableWebPush: true },
    })
    assert.equal(push.status, 201)
    const carol = await call(
      'GET',
      '/users/{user}/effective-policy',
      '/users/carol@other.test/effective-policy',
    )
    assert.equal(carol.json.mcx.source, 'Service:WebServer:pool02.example.test')
    assert.equal(carol.json.push.settings.EnableFirebaseCloudMessaging, true)
  })

  it('bad input gives a clear 400, 404 or 409 and changes nothing', async () => {
    const before = await everything()
    const cases: [string, string, string, unknown, number, RegExp][] = [
      ['POST', '/mobility-policy', '/mobility-policy', { identity: 'Global' }, 400, /Global always exists/],
      ['POST', '/mcx-config', '/mcx-config', { identity: 'Tag:X' }, 400, /cannot have identity Tag:X/],
      [
        'POST',
        '/mobility-policy',
        '/mobility-policy',
        { identity: 'Site:Atlantis' },
        400,
        /not in the topology/,
      ],
      [
        'POST',
        '/mobility-policy',
        '/mobility-policy',
        { identity: 'Site:Redmond', settings: { Bogus: true } },
        400,
        /unknown parameter/,
      ],
      [
        'POST',
        '/mobility-policy',
        '/mobility-policy',
        { identity: 'Site:Redmond', settings: { EnableMobility: 'false' } },
        400,
        /JSON boolean/,
      ],
      [
        'POST',
        '/mobility-policy',
        '/mobility-policy',
        { identity: 'Site:Redmond', color: 'red' },
        400,
        /unknown properties: color/,
      ],
      ['POST', '/mobility-policy', '/mobility-policy', '[1,2]', 400, /JSON object/],
      [
        'POST',
        '/mcx-config',
        '/mcx-config',
        { identity: 'Site:Redmond', settings: { SessionShortExpirationInterval: 259200 } },
        400,
        /greater than/,
      ],
      [
        'PATCH',
        '/mobility-policy/{identity}',
        '/mobility-policy/Tag:Nope',
        { settings: { EnableMobility: false } },
        404,
        /no mobility-policy Tag:Nope/,
      ],
      ['PATCH', '/mobility-policy/{identity}', '/mobility-policy/Global', {}, 400, /settings/],
      [
        'PATCH',
        '/push-config/{identity}',
        '/push-config/Global',
        { settings: { EnableApplePushNotificationService: 1 } },
        400,
        /JSON boolean/,
      ],
      [
        'DELETE',
        '/mobility-policy/{identity}',
        '/mobility-policy/Site:Redmond',
        undefined,
        404,
        /no mobility-policy/,
      ],
      [
        'PUT',
        '/users/{user}/mobility-policy',
        '/users/nobody@example.test/mobility-policy',
        { policy: null },
        404,
        /no user/,
      ],
      [
        'PUT',
        '/users/{user}/mobility-policy',
        '/users/bob@example.test/mobility-policy',
        { policy: 'Site:Redmond' },
        400,
        /only per-user/,
      ],
      [
        'PUT',
        '/users/{user}/mobility-policy',
        '/users/bob@example.test/mobility-policy',
        {},
        400,
        /policy is required/,
      ],
      ['GET', '/mobility-policy', '/mobility-policy?filter=x&sort=y', undefined, 400, /query parameter sort/],
      ['GET', '/audit', '/audit?limit=0', undefined, 400, /limit/],
    ]
    for (const [method, template, path, body, status, message] of cases) {
      const res = await call(method, template, path, body)
      assert.equal(res.status, status, `${method} ${path}: ${res.text}`)
      assert.match(res.json.message, message, `${method} ${path}`)
    }
    const parameters = await call('POST', '/mobility-policy', '/mobility-policy', {
      identity: 'Site:Redmond',
      settings: { Bogus: true, EnableMobility: 'no' },
    })
    assert.deepEqual(
      parameters.json.parameters.map((p: any) => p.name),
      ['Bogus', 'EnableMobility'],
    )
    assert.equal(await everything(), before)
    const unknownKind = await request(t.internal, `${P}/voice-policy`, { host: HOST, token: adminToken })
    assert.equal(unknownKind.status, 404)
  })

  it('a change through the API reaches a signed-in client at once as a policies event', async () => {
    const bob = await signedInApp(t, 'bob', 'bob-admin-test')
    await bob.events()
    // Held longer than the test may run: only the change can release it.
    const parked = bob.events(LONG_HOLD)
    await waiting(t, bob.self)
    await call('PATCH', '/mobility-policy/{identity}', '/mobility-policy/Global', {
      settings: { RequireWiFiForIPAudio: true },
    })
    assert.deepEqual(eventsOf(await parked), ['application:policies:updated'])
    const policies = await bob.get(`${bob.self}/policies`)
    assert.equal(policies.json.audioOnlyOnWifi, 'Enabled')
  })

  it('the audit log records who changed what, when, with before and after', async () => {
    const log = await call('GET', '/audit', '/audit?limit=5')
    assert.equal(log.json.items.length, 5)
    const latest = log.json.items[0]
    assert.equal(latest.actor, 'sip:alice@example.test')
    assert.equal(latest.action, 'mobility-policy.set')
    assert.equal(latest.target, 'Global')
    assert.equal(latest.before.settings.RequireWiFiForIPAudio, false)
    assert.equal(latest.after.settings.RequireWiFiForIPAudio, true)
    const page = await call('GET', '/audit', `/audit?limit=2&before=${latest.seq}`)
    assert.deepEqual(
      page.json.items.map((e: any) => e.seq),
      log.json.items.slice(1, 3).map((e: any) => e.seq),
    )
  })

  it('admins are listed, added and removed through the API', async () => {
    assert.deepEqual((await call('GET', '/admins', '/admins')).json.items, ['sip:alice@example.test'])
    const added = await call('PUT', '/admins/{user}', '/admins/bob@example.test')
    assert.deepEqual(added.json, { user: 'bob@example.test', admin: true, changed: true })
    assert.equal((await call('GET', '/admins', '/admins', undefined, { token: bobToken })).status, 200)
    const removed = await call('DELETE', '/admins/{user}', '/admins/bob@example.test')
    assert.equal(removed.json.changed, true)
    assert.equal((await call('GET', '/admins', '/admins', undefined, { token: bobToken })).status, 403)
    assert.equal((await call('PUT', '/admins/{user}', '/admins/nobody@example.test')).status, 404)
  })

  it('every documented operation answers one of its documented statuses', async () => {
    const sample: Record<string, string> = {
      '{identity}': 'Global',
      '{user}': 'bob@example.test',
    }
    for (const [template, item] of Object.entries(api.doc.paths as Record<string, any>)) {
      for (const method of Object.keys(item).filter((m) => m !== 'parameters')) {
        if (method === 'delete' || template.endsWith('/openapi.json')) continue
        const path = template.slice(P.length).replace(/\{[a-z]+\}/g, (p) => sample[p] ?? p)
        const op = item[method]
        const body = op.requestBody ? {} : undefined
        // call() asserts the status is documented and the body matches its schema.
        await call(method.toUpperCase(), template.slice(P.length), path, body)
      }
    }
  })
})

describe('admin API with admin.exposeOnExternal', () => {
  it('is served on external listeners too', async () => {
    const s = await startTestServer({ extra: 'admin:\n  exposeOnExternal: true' })
    try {
      await s.server.policies.setAdmin(ADDRESS.alice, true, 'test-setup')
      const token = await signIn(s.internal, HOST, ADDRESS.alice, PASSWORDS.alice)
      const res = await request(s.external, `${P}/push-config`, { host: 'webext01.example.test', token })
      assert.equal(res.status, 200, res.text)
    } finally {
      await s.stop()
    }
  })
})
