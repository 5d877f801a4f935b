// The whole first minute of a UCWA client: discovery → challenge → token → user → application.
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

describe('sign-in flow', () => {
  let t: TestServer
  before(async () => {
    t = await startTestServer()
  })
  after(() => t.stop())

  it('discovers, signs in and creates an application on the home pool', async () => {
    const port = new URL(t.internal).port
    const root = await request(t.internal, '/', { host: 'lyncdiscoverinternal.example.test' })
    assert.equal(root.status, 200)
    const userHref: string = root.json._links.user.href
    assert.equal(
      userHref,
      `http://dir01.example.test:${port}/Autodiscover/AutodiscoverService.svc/root/oauth/user?originalDomain=example.test`,
    )

    // The Director answers; the user is homed on pool01, so the user resource redirects there.
    const challenge = await request(t.internal, new URL(userHref).pathname, { host: 'dir01.example.test' })
    assert.equal(challenge.status, 401)
    const header = challenge.headers.get('www-authenticate') ?? ''
    const tokenUrl = /MsRtcOAuth href="([^"]*)"/.exec(header)?.[1]
    assert.equal(tokenUrl, `http://dir01.example.test:${port}/WebTicket/oauthtoken`)

    const dirToken = await signIn(t.internal, 'dir01.example.test', 'alice@example.test', PASSWORDS.alice)
    const redirected = await request(t.internal, new URL(userHref).pathname, {
      host: 'dir01.example.test',
      token: dirToken,
    })
    assert.equal(redirected.status, 200)
    const redirect: string = redirected.json._links.redirect.href
    assert.equal(redirect, `http://pool01.example.test:${port}/Autodiscover/AutodiscoverService.svc/root`)

    // Tokens are per pool: the Director's token does not open pool01.
    const home = await request(t.internal, '/Autodiscover/AutodiscoverService.svc/root/oauth/user', {
      host: 'pool01.example.test',
      token: dirToken,
    })
    assert.equal(home.status, 401)
    const token = await signIn(t.internal, 'pool01.example.test', 'alice@example.test', PASSWORDS.alice)
    const user = await request(t.internal, '/Autodiscover/AutodiscoverService.svc/root/oauth/user', {
      host: 'pool01.example.test',
      token,
    })
    assert.equal(user.status, 200)
    assert.equal(
      user.json._links.applications.href,
      `http://pool01.example.test:${port}/ucwa/oauth/v1/applications`,
    )

    const app = await createApplication(t.internal, 'pool01.example.test', token)
    assert.equal(app.status, 201)
    assert.equal(app.json.rel, 'application')
    assert.match(app.json._links.events.href, /^\/ucwa\/oauth\/v1\/applications\/\d+\/events\?ack=1$/)
    assert.equal(app.json._embedded.me.uri, 'sip:alice@example.test')
  })
})
