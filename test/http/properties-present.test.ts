// Properties the real server always emitted are always present (issue 14, part 3): each test
// reads a resource the way a public client does — indexing the property without checking it is
// there — for the state in which Parley used to leave the property out.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { XMLParser } from 'fast-xml-parser'
import { startTestServer, type TestServer } from '../helpers/server.ts'
import { ADDRESS, available, type Client, signedInApp } from '../helpers/ucwa-client.ts'

interface XmlResource {
  '@rel': string
  property?: { '@name': string; '#text'?: string }[]
  resource?: XmlResource[]
}

const xml = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  parseTagValue: false,
  isArray: (name) => ['resource', 'property'].includes(name),
})

/** The root <resource> of a UCWA XML document. */
const xmlRoot = (text: string): XmlResource => {
  const root = (xml.parse(text) as { resource?: XmlResource[] }).resource?.[0]
  assert.ok(root, text)
  return root
}

/**
 * A property's text as the Windows Store sample's UcwaResource.GetPropertyValue reads it: the
 * <property> element must be there; an empty one reads as "".
 */
function propertyValue(resource: XmlResource, name: string): string {
  const property = (resource.property ?? []).find((p) => p['@name'] === name)
  if (!property) throw new TypeError(`no <property name="${name}"> in <resource rel="${resource['@rel']}">`)
  return property['#text'] ?? ''
}

describe('properties are always present', () => {
  let t: TestServer
  let alice: Client
  let bob: Client
  before(async () => {
    t = await startTestServer()
    alice = await signedInApp(t, 'alice')
    bob = await signedInApp(t, 'bob')
    await available(alice)
    await available(bob)
  })
  after(() => t.stop())

  // The Lync 2013 Windows Store sample (WinStoreUcwaAppEvents, UcwaAppMe.cs GetNoteMessage /
  // GetNoteType) reads `message` and `type` of me/note right after makeMeAvailable; the trace in
  // advocations/skype Skype/UCWA/GetMyNoteInformation.md shows both. A user who never set a note
  // has message "".
  it('me/note without a note: message "" and type Personal (JSON and XML)', async () => {
    const note = (await alice.get(`${alice.self}/me/note`)).json
    assert.equal(note.message.trim(), '')
    assert.equal(note.type, 'Personal')
    const root = xmlRoot((await alice.get(`${alice.self}/me/note`, { accept: 'application/xml' })).text)
    assert.equal(propertyValue(root, 'message'), '')
    assert.equal(propertyValue(root, 'type'), 'Personal')
  })

  // The same sample's GetLocationCoordinates reads `location` of me/location; kenakamu/UCWA2.0-CS
  // Models/Location.cs maps it to a string the app displays.
  it('me/location without a location: location ""', async () => {
    const location = (await alice.get(`${alice.self}/me/location`)).json
    assert.equal(location.location.length, 0)
    const root = xmlRoot((await alice.get(`${alice.self}/me/location`, { accept: 'application/xml' })).text)
    assert.equal(propertyValue(root, 'location'), '')
  })

  // kenakamu/UCWA2.0-CS Models/ContactNote.cs reads `message` and `type` of a contact's note
  // (contactNote_ref.md lists both). A contact without a note — or one the privacy level hides —
  // shows message "".
  it('contactNote without a visible note: message "" and type Personal', async () => {
    const base = `${alice.self}/people/${ADDRESS.bob}`
    const note = (await alice.get(`${base}/note`)).json
    assert.equal(note.message.toUpperCase(), '')
    assert.equal(note.type, 'Personal')
    // Set, then hidden by Blocked: still "" rather than absent.
    await bob.post(`${bob.self}/me/note`, { message: 'Heads down' })
    assert.equal((await alice.get(`${base}/note`)).json.message, 'Heads down')
    const blocked = await bob.put(`${bob.self}/people/${ADDRESS.alice}/privacyRelationship`, {
      relationshipLevel: 'Blocked',
    })
    assert.equal(blocked.status, 204, blocked.text)
    assert.equal((await alice.get(`${base}/note`)).json.message, '')
    await bob.post(`${bob.self}/people/${ADDRESS.alice}/privacyRelationship/resetContactPrivacyRelationship`)
  })

  // contactLocation_ref.md lists `location`; kenakamu/UCWA2.0-CS Models/ContactLocation.cs maps it
  // to a string. Colleagues (the default level) do not see a location: "".
  it('contactLocation a Colleague may not see: location ""', async () => {
    await bob.post(`${bob.self}/me/location`, { location: 'Building 7' })
    const location = (await alice.get(`${alice.self}/people/${ADDRESS.bob}/location`)).json
    assert.equal(location.location.length, 0)
  })

  // The Windows Store sample's GetPhoneLines reads `type`, `number` and `includeInContactCard` of
  // every embedded phone (XML); the real answer (advocations/skype Skype/UCWA/batch_ref.md) lists
  // all four lines, an empty number as <property name="number"/>.
  it('me/phones: every line has type, number and includeInContactCard, empty numbers ""', async () => {
    const root = xmlRoot((await bob.get(`${bob.self}/me/phones`, { accept: 'application/xml' })).text)
    const lines = (root.resource ?? []).map((phone) => ({
      type: propertyValue(phone, 'type'),
      number: propertyValue(phone, 'number'),
      inContactCard: propertyValue(phone, 'includeInContactCard'),
    }))
    assert.deepEqual(
      lines.map((l) => l.type),
      ['work', 'mobile', 'home', 'other'],
    )
    for (const line of lines) {
      assert.equal(line.number, '')
      assert.equal(line.inContactCard, 'False')
    }
    // JSON clients (shaildeliwala/LyncUCWA LyncTesting/JsonResponses/Phone.cs) read the same names.
    for (const phone of (await bob.get(`${bob.self}/me/phones`)).json._embedded.phone) {
      assert.equal(typeof phone.number, 'string')
      assert.equal(typeof phone.includeInContactCard, 'boolean')
    }
  })

  // kenakamu/UCWA2.0-CS Models/CallForwardingSettings.cs reads activePeriod, activeSetting and
  // unansweredCallHandling, and takes the three children from `_embedded` (its
  // ImmediateForwardSettings / SimultaneousRingSettings / UnansweredCallSettings getters
  // dereference `_embedded` unchecked); the children carry target (and ringDelay), as in
  // callForwardingSettings_ref.md.
  it('callForwardingSettings: its properties and its three embedded children with theirs', async () => {
    const settings = (await bob.get(`${bob.self}/me/callForwardingSettings`)).json
    assert.ok(['Always', 'Workhours'].includes(settings.activePeriod))
    assert.equal(settings.activeSetting, 'None')
    assert.ok(['Enabled', 'Disabled'].includes(settings.unansweredCallHandling))
    assert.equal(settings._embedded.immediateForwardSettings.target, 'None')
    assert.equal(typeof settings._embedded.simultaneousRingSettings.ringDelay, 'number')
    assert.equal(settings._embedded.simultaneousRingSettings.target, 'None')
    assert.equal(typeof settings._embedded.unansweredCallSettings.ringDelay, 'number')
    assert.equal(settings._embedded.unansweredCallSettings.target, 'None')
  })

  // myContactsAndGroupsSubscription_ref.md lists `state` (SubscriptionState); a client checks it
  // before it refreshes.
  it('myContactsAndGroupsSubscription: state', async () => {
    const hub = alice.created.json._embedded.people._links.myContactsAndGroupsSubscription.href
    assert.equal((await alice.get(hub)).json.state, 'Connected')
  })
})
