// Contact lists over real HTTP: groups (default, pinned, personal), memberships, myContacts, the
// contact resource, events on every application of the user, limits and bad input.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { SipUri } from '../../src/domain/ids.ts'
import { startTestServer, type TestServer } from '../helpers/server.ts'
import { type Client, signedInApp as signedInClient, type UserName } from '../helpers/ucwa-client.ts'

/** A signed-in application and its people href. */
type App = Client & { readonly people: string }

async function signedInApp(t: TestServer, user: UserName, endpoint: string): Promise<App> {
  const client = await signedInClient(t, user, endpoint)
  return Object.assign(client, { people: `${client.self}/people` })
}

/**
 * Reads what the event channel holds now (the actions awaited before committed their events, so
 * one P-GET gets them all); returns `senderRel:linkRel:type[:inRel]` strings and the events.
 */
async function drain(app: App): Promise<{ list: string[]; events: any[] }> {
  const batch = await app.events()
  const events = (batch.sender as any[]).flatMap((s) => s.events.map((e: any) => ({ sender: s, ...e })))
  return {
    events,
    list: events.map((e) => `${e.sender.rel}:${e.link.rel}:${e.type}${e.in ? `:${e.in.rel}` : ''}`),
  }
}

const groupsOf = async (app: App) => {
  const res = await app.get(`${app.people}/groups`)
  assert.equal(res.status, 200, res.text)
  return res.json._embedded as { defaultGroup: any; pinnedGroup: any; group: any[]; distributionGroup: any[] }
}

const contactUris = async (app: App, path = `${app.people}/contacts`) => {
  const res = await app.get(path)
  assert.equal(res.status, 200, res.text)
  return (res.json._embedded.contact as any[]).map((c) => c.uri as string)
}

const addContact = (app: App, uri: string, groupId?: string) =>
  app.post(
    `${app.people}/groupMemberships?contactUri=${encodeURIComponent(uri)}${groupId ? `&groupId=${groupId}` : ''}`,
  )

const createGroup = async (app: App, name: string) => {
  const res = await app.post(`${app.people}/groups`, { displayName: name })
  assert.equal(res.status, 204, res.text)
  const group = (await groupsOf(app)).group.find((g) => g.name === name)
  assert.ok(group, `group ${name} was created`)
  return group
}

const guidOf = (resource: Record<string, unknown>) =>
  Object.keys(resource).find((k) => resource[k] === 'please pass this in a PUT request')

describe('contact lists', () => {
  let t: TestServer
  before(async () => {
    t = await startTestServer()
  })
  after(() => t.stop())

  it('every user has Other Contacts (defaultGroup) and Favorites (pinnedGroup), created on first use', async () => {
    const a = await signedInApp(t, 'alice', 'groups-first')
    const res = await a.get(`${a.people}/groups`)
    assert.equal(res.status, 200)
    assert.equal(res.json.rel, 'myGroups')
    assert.equal(res.json._links.self.href, `${a.people}/groups`)
    const { defaultGroup, pinnedGroup, group, distributionGroup } = res.json._embedded
    assert.equal(defaultGroup.rel, 'defaultGroup')
    assert.equal(defaultGroup.name, 'Other Contacts')
    assert.equal(pinnedGroup.rel, 'pinnedGroup')
    assert.equal(pinnedGroup.name, 'Favorites')
    assert.deepEqual(group, [])
    assert.deepEqual(distributionGroup, [])
    for (const g of [defaultGroup, pinnedGroup]) {
      assert.equal(typeof g.id, 'string')
      assert.equal(g._links.self.href, `${a.people}/groups/${g.id}`)
      assert.equal(g._links.groupContacts.href, `${a.people}/groups/${g.id}/contacts`)
      assert.equal(g._links.groupMemberships.href, `${a.people}/groupMemberships?groupId=${g.id}`)
      assert.equal(guidOf(g), undefined, 'system groups cannot be PUT')
    }
    // Stable: the same groups again, from the doc-sample alias too and from another application.
    const again = await a.get(`${a.self}/groups`)
    assert.equal(again.json._embedded.defaultGroup.id, defaultGroup.id)
    const other = await signedInApp(t, 'alice', 'groups-second')
    assert.equal((await groupsOf(other)).pinnedGroup.id, pinnedGroup.id)
    // One group by its href; ?expand=false gives links only.
    const one = await a.get(defaultGroup._links.self.href)
    assert.equal(one.status, 200)
    assert.equal(one.json.name, 'Other Contacts')
    assert.equal(one.headers.get('etag'), `"${one.json.etag}"`)
    const links = await a.get(`${a.people}/groups?expand=false`)
    assert.equal(links.json._embedded, undefined)
    assert.equal(links.json._links.defaultGroup.href, defaultGroup._links.self.href)
    assert.equal(links.json._links.pinnedGroup.href, pinnedGroup._links.self.href)
    assert.deepEqual(links.json._links.group, [])
    // XML too.
    const xml = await a.get(`${a.people}/groups`, { accept: 'application/xml' })
    assert.match(xml.text, /<resource rel="myGroups"/)
    assert.match(xml.text, /<resource rel="defaultGroup" href="[^"]+">/)
  })

  it('adding a contact puts it in myContacts and the default group, with events on every application of the user', async () => {
    const one = await signedInApp(t, 'alice', 'add-one')
    const two = await signedInApp(t, 'alice', 'add-two')
    const bob = await signedInApp(t, 'bob', 'add-bob')
    await Promise.all([drain(one), drain(two), drain(bob)])
    const { defaultGroup } = await groupsOf(one)

    const res = await addContact(one, 'sip:Bob@Example.test')
    assert.equal(res.status, 201, res.text)
    assert.equal(res.json.rel, 'myGroupMembership')
    assert.equal(res.json._links.contact.href, `${one.people}/bob@example.test`)
    assert.equal(res.json._links.defaultGroup.href, defaultGroup._links.self.href)
    const membership = await one.get(res.json._links.self.href)
    assert.equal(membership.status, 200)
    assert.deepEqual(membership.json, res.json)

    // Visible from both applications: the list belongs to the user.
    for (const app of [one, two]) {
      assert.deepEqual(await contactUris(app), ['sip:bob@example.test'])
      assert.deepEqual(await contactUris(app, `${app.people}/groups/${defaultGroup.id}/contacts`), [
        'sip:bob@example.test',
      ])
    }
    const contacts = await one.get(`${one.people}/contacts`)
    assert.equal(contacts.json.rel, 'myContacts')
    const bobContact = contacts.json._embedded.contact[0]
    assert.equal(bobContact.name, 'Bob Baker')
    assert.equal(bobContact._links.self.href, `${one.people}/bob@example.test`)
    // ?expand=false: links instead of embedded contacts; the alias A/contacts answers the same.
    const linked = await one.get(`${one.people}/contacts?expand=false`)
    assert.deepEqual(linked.json._links.contact, [{ href: `${one.people}/bob@example.test` }])
    assert.equal(linked.json._embedded, undefined)
    assert.deepEqual(await contactUris(one, `${one.self}/contacts`), ['sip:bob@example.test'])
    const grouped = await one.get(`${one.people}/contacts?groupId=${defaultGroup.id}`)
    assert.equal(grouped.json.rel, 'groupContacts')

    for (const app of [one, two]) {
      const { list, events } = await drain(app)
      assert.deepEqual(list, [
        'people:contact:added:myContacts',
        'people:contact:added:defaultGroup',
        'people:myGroupMembership:added:myGroupMemberships',
      ])
      assert.equal(events[0].sender.href, app.people)
      assert.equal(events[0].link.href, `${app.people}/bob@example.test`)
      assert.equal(events[0].link.title, 'Bob Baker')
      assert.equal(events[0].in.href, `${app.people}/contacts`)
      assert.equal(events[1].in.href, `${app.people}/groups/${defaultGroup.id}`)
    }
    assert.deepEqual((await drain(bob)).list, [], "bob's applications hear nothing of alice's list")
    assert.deepEqual(await contactUris(bob), [])
  })

  it('creates, renames (PUT rules: 428, 412, 400) and deletes groups; orphaned contacts stay in Other Contacts', async () => {
    const a = await signedInApp(t, 'carol', 'groups-crud')
    const b = await signedInApp(t, 'carol', 'groups-crud-2')
    await drain(b)
    const work = await createGroup(a, 'Work')
    assert.equal(work.rel, 'group')
    const guid = guidOf(work)
    assert.ok(guid, 'personal groups carry the PUT GUID property')
    const created = await a.post(`${a.people}/groups`, { displayName: 'Team' })
    assert.equal(created.headers.get('location')?.startsWith(`${a.people}/groups/`), true)
    assert.deepEqual((await drain(b)).list, ['people:group:added:myGroups', 'people:group:added:myGroups'])

    // Duplicate (any case) and empty names.
    const dup = await a.post(`${a.people}/groups`, { displayName: ' work ' })
    assert.equal(dup.status, 409)
    assert.equal(dup.json.subcode, 'AlreadyExists')
    const dupSystem = await a.post(`${a.people}/groups`, { displayName: 'favorites' })
    assert.equal(dupSystem.status, 409)
    const empty = await a.post(`${a.people}/groups`, { displayName: '  ' })
    assert.equal(empty.status, 400)
    assert.equal(empty.json.subcode, 'ParameterValidationFailure')
    assert.equal((await groupsOf(a)).group.length, 2)

    // PUT: the whole resource back with If-Match and the GUID property.
    const href = work._links.self.href
    const current = (await a.get(href)).json
    const body = { ...current, name: 'Work stuff' }
    const noMatch = await a.put(href, body)
    assert.equal(noMatch.status, 428)
    const stale = await a.put(href, body, { 'if-match': '"12345"' })
    assert.equal(stale.status, 412)
    const { [guid]: _dropped, ...withoutGuid } = body
    const noGuid = await a.put(href, withoutGuid, { 'if-match': `"${current.etag}"` })
    assert.equal(noGuid.status, 400)
    assert.equal(noGuid.json.subcode, 'ParameterValidationFailure')
    const taken = await a.put(href, { ...body, name: 'TEAM' }, { 'if-match': current.etag })
    assert.equal(taken.status, 409)
    assert.equal((await a.get(href)).json.name, 'Work', 'refused PUTs change nothing')
    const renamed = await a.put(href, body, { 'if-match': `"${current.etag}"` })
    assert.equal(renamed.status, 204, renamed.text)
    const after = await a.get(href)
    assert.equal(after.json.name, 'Work stuff')
    assert.equal(renamed.headers.get('etag'), `"${after.json.etag}"`)
    assert.notEqual(after.json.etag, current.etag)
    const stalePut = await a.put(href, body, { 'if-match': `"${current.etag}"` })
    assert.equal(stalePut.status, 412, 'the old etag no longer matches')
    const renameEvents = await drain(b)
    assert.deepEqual(renameEvents.list, ['people:group:updated:myGroups'])
    assert.equal(renameEvents.events[0].link.href, `${b.people}/groups/${work.id}`)
    assert.equal(renameEvents.events[0].link.title, 'Work stuff')

    // System groups can be neither renamed nor deleted.
    const { defaultGroup, pinnedGroup } = await groupsOf(a)
    const putDefault = await a.put(
      defaultGroup._links.self.href,
      { ...defaultGroup, name: 'X' },
      {
        'if-match': defaultGroup.etag,
      },
    )
    assert.equal(putDefault.status, 403)
    assert.equal((await a.del(pinnedGroup._links.self.href)).status, 403)

    // Delete: alice only in Work moves to Other Contacts; bob, also in Other Contacts, stays once.
    assert.equal((await addContact(a, 'alice@example.test', work.id)).status, 201)
    assert.equal((await addContact(a, 'bob@example.test', work.id)).status, 201)
    assert.equal((await addContact(a, 'bob@example.test')).status, 201)
    await drain(b)
    assert.equal((await a.del(href)).status, 204)
    assert.equal((await a.get(href)).status, 404)
    assert.deepEqual(
      (await groupsOf(a)).group.map((g) => g.name),
      ['Team'],
    )
    assert.deepEqual((await contactUris(a, `${a.people}/groups/${defaultGroup.id}/contacts`)).sort(), [
      'sip:alice@example.test',
      'sip:bob@example.test',
    ])
    assert.deepEqual((await contactUris(a)).sort(), ['sip:alice@example.test', 'sip:bob@example.test'])
    const deleted = await drain(b)
    assert.deepEqual(deleted.list, [
      'people:myGroupMembership:deleted:myGroupMemberships',
      'people:contact:added:defaultGroup',
      'people:myGroupMembership:added:myGroupMemberships',
      'people:myGroupMembership:deleted:myGroupMemberships',
      'people:group:deleted:myGroups',
    ])
    assert.equal(deleted.events[1].link.href, `${b.people}/alice@example.test`)
  })

  it('moves a contact between groups, removes memberships and removes a contact from all groups', async () => {
    const a = await signedInApp(t, 'bob', 'memberships')
    const team = await createGroup(a, 'Team')
    const { defaultGroup, pinnedGroup } = await groupsOf(a)
    assert.equal((await addContact(a, 'carol@other.test', team.id)).status, 201)
    await drain(a)

    // Move Team → Favorites: add to the new group, then delete the old membership.
    const pinned = await addContact(a, 'carol@other.test', pinnedGroup.id)
    assert.equal(pinned.status, 201)
    assert.equal(pinned.json._links.pinnedGroup.href, pinnedGroup._links.self.href)
    const all = await a.get(`${a.people}/groupMemberships`)
    assert.equal(all.json.rel, 'myGroupMemberships')
    assert.equal(
      all.json._links.removeContactFromAllGroups.href,
      `${a.people}/groupMemberships/removeContactFromAllGroups`,
    )
    const memberships = all.json._embedded.myGroupMembership as any[]
    assert.equal(memberships.length, 2)
    const inTeam = memberships.find((m) => m._links.group?.href === team._links.self.href)
    assert.ok(inTeam)
    assert.equal((await a.del(inTeam._links.self.href)).status, 204)
    assert.equal((await a.get(inTeam._links.self.href)).status, 404)
    assert.equal((await a.del(inTeam._links.self.href)).status, 404)
    assert.deepEqual(await contactUris(a, team._links.groupContacts.href), [])
    assert.deepEqual(await contactUris(a, pinnedGroup._links.groupContacts.href), ['sip:carol@other.test'])
    const onlyPinned = await a.get(`${a.people}/groupMemberships?groupId=${pinnedGroup.id}`)
    assert.equal(onlyPinned.json._embedded.myGroupMembership.length, 1)
    assert.deepEqual((await drain(a)).list, [
      'people:contact:added:pinnedGroup',
      'people:myGroupMembership:added:myGroupMemberships',
      'people:contact:deleted:group',
      'people:myGroupMembership:deleted:myGroupMemberships',
    ])

    // Deleting the last membership takes the contact off the list.
    assert.equal((await a.del(pinned.json._links.self.href)).status, 204)
    assert.deepEqual(await contactUris(a), [])
    assert.deepEqual((await drain(a)).list, [
      'people:contact:deleted:pinnedGroup',
      'people:myGroupMembership:deleted:myGroupMemberships',
      'people:contact:deleted:myContacts',
    ])

    // removeContactFromAllGroups (query or body), then again: not on the list.
    assert.equal((await addContact(a, 'alice@example.test')).status, 201)
    assert.equal((await addContact(a, 'alice@example.test', team.id)).status, 201)
    await drain(a)
    const remove = `${a.people}/groupMemberships/removeContactFromAllGroups`
    assert.equal((await a.post(remove, { contactUri: 'sip:alice@example.test' })).status, 204)
    assert.deepEqual(await contactUris(a), [])
    assert.deepEqual((await drain(a)).list, [
      'people:contact:deleted:defaultGroup',
      'people:myGroupMembership:deleted:myGroupMemberships',
      'people:contact:deleted:group',
      'people:myGroupMembership:deleted:myGroupMemberships',
      'people:contact:deleted:myContacts',
    ])
    const again = await a.post(`${remove}?contactUri=sip:alice@example.test`)
    assert.equal(again.status, 404)
    assert.equal(defaultGroup.rel, 'defaultGroup')
  })

  it('serves the contact resource at …/people/{sip} (bare or sip:, any case); unknown users are 404', async () => {
    const b = await signedInApp(t, 'bob', 'contact')
    const res = await b.get(`${b.people}/alice@example.test`)
    assert.equal(res.status, 200)
    const c = res.json
    assert.equal(c.rel, 'contact')
    assert.equal(c.uri, 'sip:alice@example.test')
    assert.equal(c.name, 'Alice Adams')
    assert.equal(c.sourceNetwork, 'SameEnterprise')
    assert.equal(c.type, 'User')
    assert.deepEqual(c.emailAddresses, ['alice@example.test'])
    assert.equal(c.title, 'Engineer')
    assert.equal(c.department, 'Research')
    assert.equal(c.workPhoneNumber, 'tel:+14255550101')
    assert.equal(c.mobilePhoneNumber, undefined, 'numbers other than work wait for privacy relationships')
    assert.equal(res.headers.get('etag'), `"${c.etag}"`)
    const base = `${b.people}/alice@example.test`
    assert.deepEqual(c._links, {
      self: { href: base },
      contactPhoto: { href: `${b.self}/photos/alice@example.test` },
      contactPresence: { href: `${base}/presence` },
      contactLocation: { href: `${base}/location` },
      contactNote: { href: `${base}/note` },
      contactSupportedModalities: { href: `${base}/supportedMedia` },
      contactPrivacyRelationship: { href: `${base}/privacyRelationship` },
    })
    for (const form of ['sip:alice@example.test', 'Alice@Example.Test', 'sip%3Aalice%40example.test']) {
      const other = await b.get(`${b.people}/${form}`)
      assert.equal(other.status, 200, form)
      assert.deepEqual(other.json, c)
    }
    const cached = await b.get(base, { 'if-none-match': `"${c.etag}"` })
    assert.equal(cached.status, 304)
    // A user with fewer directory fields: only what is known.
    const bob = (await b.get(`${b.people}/bob@example.test`)).json
    assert.deepEqual(bob.emailAddresses, [])
    assert.equal(bob.title, undefined)
    assert.equal(bob.workPhoneNumber, undefined)

    for (const missing of ['nobody@example.test', 'not-an-address', 'sip:']) {
      const res404 = await b.get(`${b.people}/${missing}`)
      assert.equal(res404.status, 404, missing)
      assert.equal(res404.json.code, 'NotFound')
    }
  })

  it('refuses bad input with UCWA errors and changes nothing', async () => {
    const a = await signedInApp(t, 'alice', 'bad-input')
    const bob = await signedInApp(t, 'bob', 'bad-input-bob')
    const bobGroups = await groupsOf(bob)
    const mine = await createGroup(a, 'Mine')
    await drain(a)
    const before = { groups: await groupsOf(a), contacts: await contactUris(a) }

    const unknown = await addContact(a, 'sip:nobody@example.test')
    assert.equal(unknown.status, 404)
    assert.equal(unknown.json.code, 'NotFound')
    const malformed = await addContact(a, 'not a uri')
    assert.equal(malformed.status, 400)
    assert.equal(malformed.json.subcode, 'ParameterValidationFailure')
    assert.deepEqual(malformed.json.parameters, [{ name: 'contactUri', reason: 'is not a SIP address' }])
    const missing = await a.post(`${a.people}/groupMemberships`)
    assert.equal(missing.status, 400)
    assert.equal(missing.json.parameters[0].name, 'contactUri')
    // Another user's group answers like a missing one.
    const foreign = bobGroups.defaultGroup
    assert.equal((await addContact(a, 'carol@other.test', foreign.id)).status, 404)
    assert.equal((await a.get(`${a.people}/groups/${foreign.id}`)).status, 404)
    assert.equal((await a.get(`${a.people}/groups/${foreign.id}/contacts`)).status, 404)
    assert.equal((await a.get(`${a.people}/groupMemberships?groupId=${foreign.id}`)).status, 404)
    assert.equal((await a.del(`${a.people}/groups/${foreign.id}`)).status, 404)
    assert.equal((await a.put(`${a.people}/groups/${foreign.id}`, {}, { 'if-match': '"1"' })).status, 404)
    assert.equal((await a.get(`${a.people}/groupMemberships/${foreign.id}~carol@other.test`)).status, 404)
    assert.equal((await a.del(`${a.people}/groupMemberships/garbage`)).status, 404)
    // Already in the group.
    assert.equal((await addContact(a, 'carol@other.test', mine.id)).status, 201)
    const twice = await addContact(a, 'carol@other.test', mine.id)
    assert.equal(twice.status, 409)
    assert.equal(twice.json.subcode, 'AlreadyExists')
    assert.equal((await a.del(`${a.people}/groupMemberships/${mine.id}~carol@other.test`)).status, 204)
    // removeContactFromAllGroups needs a contactUri.
    const noUri = await a.post(`${a.people}/groupMemberships/removeContactFromAllGroups`)
    assert.equal(noUri.status, 400)
    // Distribution groups: checked input, then nothing to find.
    assert.equal((await a.post(`${a.people}/groups/addToContactList`)).status, 400)
    const dg = await a.post(
      `${a.people}/groups/addToContactList?displayName=All&smtpAddress=all@example.test`,
    )
    assert.equal(dg.status, 404)
    assert.equal((await a.post(`${a.people}/groups/removeFromContactList`)).status, 400)
    assert.equal((await a.post(`${a.people}/groups/removeFromContactList?groupId=${mine.id}`)).status, 404)

    assert.deepEqual({ groups: await groupsOf(a), contacts: await contactUris(a) }, before)
    // Only the one add and its removal made events; the refusals made none.
    assert.deepEqual((await drain(a)).list, [
      'people:contact:added:myContacts',
      'people:contact:added:group',
      'people:myGroupMembership:added:myGroupMemberships',
      'people:contact:deleted:group',
      'people:myGroupMembership:deleted:myGroupMemberships',
      'people:contact:deleted:myContacts',
    ])
    assert.deepEqual(await contactUris(bob), [])
    assert.deepEqual((await groupsOf(bob)).group, bobGroups.group)
  })

  it('limits a list to 64 groups (Other Contacts and Favorites included)', async () => {
    const a = await signedInApp(t, 'alice', 'group-limit')
    const existing = (await groupsOf(a)).group.length
    for (let i = existing; i < 62; i++) {
      const res = await a.post(`${a.people}/groups`, { displayName: `Group ${i}` })
      assert.equal(res.status, 204, res.text)
    }
    const over = await a.post(`${a.people}/groups`, { displayName: 'One too many' })
    assert.equal(over.status, 403)
    assert.equal(over.json.subcode, 'LimitExceeded')
    assert.match(over.json.message, /64 groups/)
    assert.equal((await groupsOf(a)).group.length, 62)
  })
})

describe('contact list limit', () => {
  it('refuses the contact that would exceed 1,000 with 403 LimitExceeded, changing nothing', async () => {
    const t = await startTestServer()
    try {
      const a = await signedInApp(t, 'bob', 'contact-limit')
      const { defaultGroup } = await groupsOf(a)
      const owner = (await t.server.users.find('sip:bob@example.test' as SipUri))?.id
      assert.ok(owner)
      await t.server.store.transaction(async (tx) => {
        for (let i = 0; i < 1000; i++) {
          await tx.contacts.addMember(owner, defaultGroup.id, `sip:filler${i}@example.test`, i)
        }
      })
      const over = await addContact(a, 'alice@example.test')
      assert.equal(over.status, 403)
      assert.equal(over.json.subcode, 'LimitExceeded')
      assert.match(over.json.message, /1000 contacts/)
      assert.equal(await t.server.store.contacts.countContacts(owner), 1000)
      // A contact already on the list may still join another group.
      const pinned = (await groupsOf(a)).pinnedGroup
      await t.server.store.contacts.removeMember(owner, defaultGroup.id, 'sip:filler0@example.test')
      assert.equal((await addContact(a, 'alice@example.test')).status, 201)
      assert.equal((await addContact(a, 'alice@example.test', pinned.id)).status, 201)
    } finally {
      await t.stop()
    }
  })
})
