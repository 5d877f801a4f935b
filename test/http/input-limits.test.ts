// Input limits shaped by what real clients send (src/http/limits.ts, docs/limits.md): the values
// clients really send are accepted, each cap accepts its full length, and one character over is
// refused with 400 ParameterValidationFailure naming the parameter and changing nothing.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { LIMITS } from '../../src/http/limits.ts'
import { connect, say, sip } from '../helpers/messaging.ts'
import { type HttpResponse, request, startTestServer, type TestServer } from '../helpers/server.ts'
import { availablePair, type Client, openApp, signedInApp } from '../helpers/ucwa-client.ts'

const GUID = '5028e824-2268-4b14-9e59-1abad65ff393'
// A GUID plus a client's own suffix: correlation ids of 54 characters and more reach startMessaging.
const GUID_PLUS = `${GUID}-startMessaging-0001`

const over = (cap: number) => 'x'.repeat(cap + 1)

/** 400 ParameterValidationFailure naming `name`, with a reason that gives the cap. */
function assertRefused(res: HttpResponse, name: string, cap?: number): void {
  assert.equal(res.status, 400, res.text)
  assert.equal(res.json.code, 'BadRequest')
  assert.equal(res.json.subcode, 'ParameterValidationFailure')
  const parameter = (res.json.parameters as { name: string; reason: string }[]).find((p) => p.name === name)
  assert.ok(parameter, `${name} is named: ${res.text}`)
  if (cap !== undefined) assert.match(parameter.reason, new RegExp(`\\b${cap}\\b`), res.text)
}

describe('input limits', () => {
  let t: TestServer
  let alice: Client
  let bob: Client
  before(async () => {
    t = await startTestServer()
    ;({ alice, bob } = await availablePair(t))
  })
  after(() => t.stop())

  describe('applications', () => {
    it('accepts the values clients send, and every cap at its full length', async () => {
      // tonybaloney/pyucwa ucwa/actions.py: the Skype Web SDK's UserAgent, a uuid1 EndpointId.
      const pyucwa = await signedInApp(t, 'alice', '6d3c0a4e-8f7a-11e6-ae22-56b6b6499611', {
        UserAgent: 'SkypeWeb/0.4.275 master UCWA/1.0.0-e4a1abbd7ca7d-84c26b3703da8',
      })
      assert.equal((await pyucwa.del(pyucwa.self)).status, 204)
      const longest = await signedInApp(t, 'alice', 'e'.repeat(LIMITS.endpointId), {
        UserAgent: 'u'.repeat(LIMITS.userAgent),
        Culture: 'c'.repeat(LIMITS.culture),
        instanceId: 'i'.repeat(LIMITS.contextString),
      })
      assert.equal(longest.created.json.userAgent, 'u'.repeat(LIMITS.userAgent))
      assert.equal((await longest.del(longest.self)).status, 204)
    })

    it('refuses one character over each cap, creating nothing', async () => {
      const token = alice.token
      const cases: [string, number][] = [
        ['UserAgent', LIMITS.userAgent],
        ['EndpointId', LIMITS.endpointId],
        ['Culture', LIMITS.culture],
        ['type', LIMITS.applicationType],
        ['instanceId', LIMITS.contextString],
      ]
      for (const [field, cap] of cases) {
        const endpointId = `refused-${field}`
        const res = await request(t.internal, '/ucwa/oauth/v1/applications', {
          method: 'POST',
          host: 'pool01.example.test',
          token,
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            UserAgent: 'test/1.0',
            EndpointId: endpointId,
            Culture: 'en-US',
            [field]: over(cap),
          }),
        })
        assertRefused(res, field.charAt(0).toLowerCase() + field.slice(1), cap)
        // Nothing was created: the same endpoint now gets a new application (201, not 200).
        const app = await openApp(t, 'alice', token, endpointId)
        assert.equal(app.created.status, 201)
        assert.equal((await app.del(app.self)).status, 204)
      }
    })
  })

  describe('startMessaging', () => {
    it('accepts GUID-based operationId and sessionContext of 54+ characters (ankitbko/ucwa-bot, shaildeliwala/LyncUCWA shapes)', async () => {
      assert.ok(GUID_PLUS.length >= 54)
      // ankitbko/ucwa-bot UcwaSendMessage.cs: importance, sessionContext, subject, telemetryId null, to, operationId.
      const res = await alice.post(`${alice.self}/communication/messagingInvitations`, {
        importance: 'Normal',
        sessionContext: GUID_PLUS,
        subject: 'Test',
        telemetryId: null,
        to: sip(bob),
        operationId: GUID_PLUS,
        threadId: GUID,
      })
      assert.equal(res.status, 201, res.text)
      const invitation = await alice.get(res.headers.get('location') ?? '')
      assert.equal(invitation.json.operationId, GUID_PLUS)
      assert.equal(invitation.json.threadId, GUID)
      await alice.events()
      await bob.events()
    })

    it('refuses one character over each cap; nobody is invited', async () => {
      const base = { to: sip(bob), subject: 'Plans', operationId: GUID }
      const cases: [string, string, number][] = [
        ['operationId', over(LIMITS.contextString), LIMITS.contextString],
        ['sessionContext', over(LIMITS.contextString), LIMITS.contextString],
        ['threadId', over(LIMITS.contextString), LIMITS.contextString],
        ['subject', over(LIMITS.subject), LIMITS.subject],
        ['to', `sip:${over(LIMITS.sipUri - 4)}`, LIMITS.sipUri],
      ]
      for (const [field, value, cap] of cases) {
        const res = await alice.post(`${alice.self}/communication/messagingInvitations`, {
          ...base,
          [field]: value,
        })
        assertRefused(res, field, cap)
      }
      assert.deepEqual((await bob.events()).sender, [], 'bob was not invited')
    })
  })

  describe('sendMessage', () => {
    // ankitbko/ucwa-bot UcwaSendMessage.cs posts to `<messaging>/messages?OperationContext=<guid>`.
    it('takes a long OperationContext and refuses one character over; nothing is sent', async () => {
      const [mine] = await connect(alice, bob)
      await bob.events()
      const send = (query: string) =>
        alice.send('POST', `${mine.sendMessage}?${query}`, 'Hi', { 'content-type': 'text/plain' })
      const ok = await send(`OperationContext=${GUID_PLUS}`)
      assert.equal(ok.status, 201, ok.text)
      for (const name of ['OperationContext', 'operationId']) {
        assertRefused(await send(`${name}=${over(LIMITS.contextString)}`), name, LIMITS.contextString)
      }
      const messages = (await bob.events()).sender.flatMap((s: any) => s.events)
      assert.equal(messages.filter((e: any) => e.link.rel === 'message').length, 1, 'only the first was sent')
      assert.equal((await alice.del(mine.conversation)).status, 204)
      await alice.events()
      await bob.events()
    })
  })

  describe('continueMessaging', () => {
    it('accepts long correlation ids and refuses one character over', async () => {
      const [mine] = await connect(alice, bob)
      assert.equal((await say(mine, 'Hi')).status, 201)
      assert.equal((await alice.del(mine.conversation)).status, 204)
      await alice.events()
      await bob.events()
      const logs = await alice.get(`${alice.self}/communication/conversationLogs`)
      const href: string = logs.json._embedded.conversationLog[0]._links.continueMessaging.href

      for (const field of ['operationId', 'sessionContext', 'threadId']) {
        assertRefused(
          await alice.post(href, { [field]: over(LIMITS.contextString) }),
          field,
          LIMITS.contextString,
        )
      }
      assertRefused(await alice.post(href, { subject: over(LIMITS.subject) }), 'subject', LIMITS.subject)
      assert.deepEqual((await bob.events()).sender, [], 'bob was not invited again')

      const ok = await alice.post(href, { operationId: GUID_PLUS, sessionContext: GUID_PLUS })
      assert.equal(ok.status, 201, ok.text)
      await alice.events()
      await bob.events()
    })
  })

  describe('me', () => {
    it('accepts a note and a location at their caps and refuses one character over, keeping the old value', async () => {
      const me = `${alice.self}/me`
      assert.equal((await alice.post(`${me}/note`, { message: 'n'.repeat(LIMITS.note) })).status, 204)
      assert.equal(
        (await alice.post(`${me}/location`, { location: 'l'.repeat(LIMITS.location) })).status,
        204,
      )
      assertRefused(await alice.post(`${me}/note`, { message: over(LIMITS.note) }), 'message', LIMITS.note)
      assertRefused(
        await alice.post(`${me}/location`, { location: over(LIMITS.location) }),
        'location',
        LIMITS.location,
      )
      assert.equal((await alice.get(`${me}/note`)).json.message, 'n'.repeat(LIMITS.note))
      assert.equal((await alice.get(`${me}/location`)).json.location, 'l'.repeat(LIMITS.location))
    })
  })

  describe('people', () => {
    it('refuses over-long group, membership and distribution-group input, changing nothing', async () => {
      const people = `${alice.self}/people`
      const groupsBefore = (await alice.get(`${people}/groups`)).json
      const membershipsBefore = (await alice.get(`${people}/groupMemberships`)).json
      assertRefused(
        await alice.post(`${people}/groups`, { displayName: over(LIMITS.groupName) }),
        'displayName',
        LIMITS.groupName,
      )
      assertRefused(
        await alice.post(`${people}/groupMemberships`, { contactUri: over(LIMITS.sipUri) }),
        'contactUri',
        LIMITS.sipUri,
      )
      assertRefused(
        await alice.post(`${people}/groupMemberships`, {
          contactUri: sip(bob),
          groupId: over(LIMITS.groupId),
        }),
        'groupId',
        LIMITS.groupId,
      )
      assertRefused(
        await alice.post(`${people}/groupMemberships/removeContactFromAllGroups`, {
          contactUri: over(LIMITS.sipUri),
        }),
        'contactUri',
        LIMITS.sipUri,
      )
      assertRefused(
        await alice.post(`${people}/groups/addToContactList`, {
          displayName: over(LIMITS.displayName),
          smtpAddress: over(LIMITS.smtpAddress),
        }),
        'smtpAddress',
        LIMITS.smtpAddress,
      )
      assertRefused(
        await alice.post(`${people}/groups/removeFromContactList`, { groupId: over(LIMITS.groupId) }),
        'groupId',
        LIMITS.groupId,
      )
      assert.deepEqual((await alice.get(`${people}/groups`)).json, groupsBefore)
      assert.deepEqual((await alice.get(`${people}/groupMemberships`)).json, membershipsBefore)

      // A name at the cap is a group like any other.
      const created = await alice.post(`${people}/groups`, { displayName: 'g'.repeat(LIMITS.groupName) })
      assert.equal(created.status, 204, created.text)
      assert.equal((await alice.del(created.headers.get('location') ?? '')).status, 204)
    })

    it('refuses over-long subscription URIs, privacy levels and network types, changing nothing', async () => {
      const people = `${alice.self}/people`
      assertRefused(
        await alice.post(`${people}/presenceSubscriptions`, { duration: 30, uris: [over(LIMITS.sipUri)] }),
        'uris',
        LIMITS.sipUri,
      )
      assert.deepEqual(
        (await alice.get(`${people}/presenceSubscriptions`)).json._embedded.presenceSubscription,
        [],
      )

      const created = await alice.post(`${people}/presenceSubscriptions`, { duration: 30, uris: [] })
      assert.equal(created.status, 201, created.text)
      const memberships = `${people}/presenceSubscriptionMemberships?presenceSubscriptionId=${created.json.id}`
      assertRefused(
        await alice.post(memberships, { contactUris: [sip(bob), over(LIMITS.sipUri)] }),
        'contactUris',
        LIMITS.sipUri,
      )
      assert.deepEqual((await alice.get(memberships)).json._embedded.presenceSubscriptionMembership, [])
      assert.equal((await alice.del(`${people}/presenceSubscriptions/${created.json.id}`)).status, 204)

      const privacy = `${people}/bob@example.test/privacyRelationship`
      assertRefused(
        await alice.put(privacy, { relationshipLevel: over(LIMITS.enumText) }),
        'relationshipLevel',
        LIMITS.enumText,
      )
      assert.equal((await alice.get(privacy)).json.relationshipLevel, 'Colleagues')

      assertRefused(
        await alice.post(`${alice.self}/reportNetworkType`, { networkType: over(LIMITS.enumText) }),
        'networkType',
        LIMITS.enumText,
      )
      await alice.events()
    })
  })

  describe('PUT communication', () => {
    it('refuses an over-long phone number and over-long modality lists, keeping the resource', async () => {
      const href = `${alice.self}/communication`
      const current = await alice.get(href)
      const etag = current.headers.get('etag') ?? ''
      const body = { ...current.json }
      const put = (changes: Record<string, unknown>) =>
        alice.put(href, { ...body, ...changes }, { 'if-match': etag })
      assertRefused(await put({ phoneNumber: over(LIMITS.phoneNumber) }), 'phoneNumber', LIMITS.phoneNumber)
      const tooMany = Array.from({ length: LIMITS.enumList + 1 }, () => 'Messaging')
      assertRefused(await put({ supportedModalities: tooMany }), 'supportedModalities', LIMITS.enumList)
      assertRefused(
        await put({ supportedMessageFormats: tooMany.map(() => 'Plain') }),
        'supportedMessageFormats',
      )
      assert.equal((await alice.get(href)).headers.get('etag'), etag, 'unchanged')
      await alice.events()
    })
  })
})
