// The directory search over real HTTP: name, email, SIP URI and phone, case-insensitive
// substrings, disabled users left out, limit and moreResultsAvailable, bad queries.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { SipUri } from '../../src/domain/ids.ts'
import { startTestServer, type TestServer } from '../helpers/server.ts'
import { type Client, signedInApp } from '../helpers/ucwa-client.ts'

describe('people/search', () => {
  let t: TestServer
  let get: Client['get']
  let people: string
  const search = async (query: string, limit?: number) => {
    const res = await get(
      `${people}/search?query=${encodeURIComponent(query)}${limit === undefined ? '' : `&limit=${limit}`}`,
    )
    assert.equal(res.status, 200, res.text)
    return res
  }
  const urisOf = async (query: string, limit?: number) =>
    ((await search(query, limit)).json._embedded.contact as any[]).map((c) => c.uri as string)

  before(async () => {
    t = await startTestServer()
    const users = t.server.users
    await users.add(
      {
        sipUri: 'sip:dave@example.test' as SipUri,
        displayName: 'Dave Doe',
        email: 'd.doe@mail.example.test',
        phones: { work: 'tel:+14255550199' },
        homePool: 'pool01.example.test',
      },
      null,
    )
    await users.add(
      {
        sipUri: 'sip:eve@example.test' as SipUri,
        displayName: 'Eve Adams',
        email: 'eve@example.test',
        homePool: 'pool01.example.test',
        enabled: false,
      },
      null,
    )
    for (let i = 1; i <= 12; i++) {
      await users.add(
        {
          sipUri: `sip:person${String(i).padStart(2, '0')}@example.test` as SipUri,
          displayName: `Search Person ${String(i).padStart(2, '0')}`,
          homePool: 'pool01.example.test',
        },
        null,
      )
    }
    const bob = await signedInApp(t, 'bob', 'endpoint-1')
    people = `${bob.self}/people`
    get = bob.get
  })
  after(() => t.stop())

  it('answers {moreResultsAvailable, _embedded.contact[], rel: search} with full contacts', async () => {
    const res = await search('alice')
    assert.equal(res.json.rel, 'search')
    assert.equal(res.json.moreResultsAvailable, false)
    assert.match(res.json._links.self.href, new RegExp(`^${people}/search\\?query=alice`))
    const [alice] = res.json._embedded.contact
    assert.equal(res.json._embedded.contact.length, 1)
    assert.equal(alice.rel, 'contact')
    assert.equal(alice.uri, 'sip:alice@example.test')
    assert.equal(alice.name, 'Alice Adams')
    assert.equal(alice.sourceNetwork, 'SameEnterprise')
    assert.equal(alice.type, 'User')
    assert.deepEqual(alice.emailAddresses, ['alice@example.test'])
    assert.equal(alice.workPhoneNumber, 'tel:+14255550101')
    assert.equal(alice._links.self.href, `${people}/alice@example.test`)
    assert.equal(
      alice._links.contactPhoto.href,
      `${people.replace(/\/people$/, '')}/photos/alice@example.test`,
    )
  })

  it('matches the display name, case-insensitively, anywhere in it; disabled users are left out', async () => {
    assert.deepEqual(await urisOf('ADAMS'), ['sip:alice@example.test'])
    assert.deepEqual(await urisOf('lice ada'), ['sip:alice@example.test'])
    assert.deepEqual(await urisOf('eve'), [], 'Eve is disabled')
  })

  it('matches email addresses and SIP URIs', async () => {
    assert.deepEqual(await urisOf('d.doe@MAIL'), ['sip:dave@example.test'])
    assert.deepEqual(await urisOf('sip:carol@'), ['sip:carol@other.test'])
    assert.deepEqual(await urisOf('other.test'), ['sip:carol@other.test'])
  })

  it('matches phone numbers digit by digit, however they are written', async () => {
    assert.deepEqual(await urisOf('555-0199'), ['sip:dave@example.test'])
    assert.deepEqual(await urisOf('+1 (425) 555-0101'), ['sip:alice@example.test'])
    assert.deepEqual(await urisOf('tel:+14255550101'), ['sip:alice@example.test'])
    assert.deepEqual((await urisOf('425 555')).sort(), ['sip:alice@example.test', 'sip:dave@example.test'])
    // "work" is a key of the stored phone numbers, not a phone number: it matches nobody.
    assert.deepEqual(await urisOf('work'), [])
  })

  it('orders by name and honours limit with moreResultsAvailable', async () => {
    const five = await search('search person', 5)
    const uris = (five.json._embedded.contact as any[]).map((c) => c.uri)
    assert.deepEqual(
      uris,
      [1, 2, 3, 4, 5].map((i) => `sip:person0${i}@example.test`),
    )
    assert.equal(five.json.moreResultsAvailable, true)
    const exact = await search('search person', 12)
    assert.equal(exact.json._embedded.contact.length, 12)
    assert.equal(exact.json.moreResultsAvailable, false)
    const all = await search('Person')
    assert.equal(all.json._embedded.contact.length, 12)
    assert.equal(all.json.moreResultsAvailable, false)
    const one = await search('a', 1)
    assert.equal(one.json._embedded.contact.length, 1)
    assert.equal(one.json.moreResultsAvailable, true)
  })

  it('treats LIKE wildcards as plain characters', async () => {
    assert.deepEqual(await urisOf('%'), [])
    assert.deepEqual(await urisOf('_'), [])
    assert.deepEqual(await urisOf('\\'), [])
  })

  it('refuses a missing or empty query and a limit outside 1–100 with 400 ParameterValidationFailure', async () => {
    for (const path of [
      `${people}/search`,
      `${people}/search?query=`,
      `${people}/search?query=%20%20`,
      `${people}/search?query=${'x'.repeat(257)}`,
      `${people}/search?query=alice&limit=0`,
      `${people}/search?query=alice&limit=101`,
      `${people}/search?query=alice&limit=ten`,
      `${people}/search?query=alice&limit=-1`,
    ]) {
      const res = await get(path)
      assert.equal(res.status, 400, path)
      assert.equal(res.json.code, 'BadRequest')
      assert.equal(res.json.subcode, 'ParameterValidationFailure', path)
    }
  })
})
