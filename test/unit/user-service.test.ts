// Directory management against a real SQLite store: what `parley user …` and config provisioning do.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, it } from 'node:test'
import { LocalBus } from '../../src/bus/local/local-bus.ts'
import type { ConfiguredUser } from '../../src/config/config.ts'
import { parseConfig } from '../../src/config/load.ts'
import { ApplicationService } from '../../src/domain/applications/application-service.ts'
import { DEFAULT_COMMUNICATION } from '../../src/domain/applications/application-types.ts'
import { EventChannel } from '../../src/domain/events/event-channel.ts'
import { NO_USER_HOOKS } from '../../src/domain/hooks.ts'
import type { SipUri } from '../../src/domain/ids.ts'
import type { Store } from '../../src/domain/ports.ts'
import { provisionUsers } from '../../src/domain/users/provision.ts'
import {
  MIN_PASSWORD_LENGTH,
  requireSipUri,
  UserService,
  UserValidationError,
} from '../../src/domain/users/user-service.ts'
import type { User } from '../../src/domain/users/user-types.ts'
import { NodeRandom } from '../../src/platform/node-random.ts'
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.ts'
import { DEFAULT_LISTENERS, ManualClock, PASSWORDS, TEST_HASHER, topologyYaml } from '../helpers/server.ts'

const config = parseConfig(topologyYaml(DEFAULT_LISTENERS), {
  file: 'test.yaml',
  env: {},
  baseDir: '/unused',
})
const uri = (text: string) => requireSipUri(text)

interface Fixture {
  dir: string
  store: Store
  clock: ManualClock
  users: UserService
  revoked: User[]
}

let f: Fixture

beforeEach(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'parley-users-'))
  const store = await openSqliteStore(join(dir, 'store', 'parley.db'))
  const clock = new ManualClock()
  const revoked: User[] = []
  const random = new NodeRandom()
  const channel = new EventChannel({ store, bus: new LocalBus(), clock })
  const users = new UserService({
    store,
    hasher: TEST_HASHER,
    clock,
    random,
    topology: config.topology,
    channel,
    applications: new ApplicationService({ store, clock, random, channel }),
    hooks: {
      ...NO_USER_HOOKS,
      sessionsRevoked: async (_tx, _outbox, _after, user) => {
        revoked.push(user)
      },
    },
  })
  f = { dir, store, clock, users, revoked }
})

afterEach(async () => {
  await f.store.close()
  rmSync(f.dir, { recursive: true, force: true })
})

/** Whether `password` is the user's current password, by the stored hash. */
async function passwordWorks(user: User, password: string): Promise<boolean> {
  const hash = await f.store.users.passwordHash(user.id)
  return typeof hash === 'string' && (await TEST_HASHER.verify(password, hash))
}

/** A UserValidationError whose message matches `pattern`. */
const invalid = (pattern: RegExp) => (e: unknown) => {
  assert.ok(e instanceof UserValidationError, String(e))
  assert.match(e.message, pattern)
  return true
}

const dave = {
  sipUri: uri('dave@example.test'),
  displayName: 'Dave Dunn',
  homePool: 'pool01.example.test',
}

describe('UserService.add', () => {
  it('creates a user with defaults and a hashed password', async () => {
    const created = await f.users.add(dave, 'dave-password-1')
    assert.equal(created.sipUri, 'sip:dave@example.test')
    assert.equal(created.displayName, 'Dave Dunn')
    assert.equal(created.homePool, 'pool01.example.test')
    assert.equal(created.enabled, true)
    assert.equal(created.enterpriseVoice, false)
    assert.deepEqual(created.phones, {})
    assert.equal(created.email, null)
    assert.equal(created.createdAt, f.clock.now())
    assert.equal(created.updatedAt, f.clock.now())
    assert.deepEqual(await f.users.find(dave.sipUri), created)

    const hash = await f.store.users.passwordHash(created.id)
    assert.match(hash ?? '', /^\$argon2id\$/)
    assert.ok(!hash?.includes('dave-password-1'))
    assert.equal(await passwordWorks(created, 'dave-password-1'), true)
    assert.equal(await passwordWorks(created, 'dave-password-2'), false)
  })

  it('stores every profile field', async () => {
    const created = await f.users.add(
      {
        ...dave,
        email: 'dave@example.test',
        title: 'Engineer',
        department: 'Research',
        phones: { work: 'tel:+14255550100', mobile: 'tel:+14255550200' },
        enterpriseVoice: true,
        lineUri: 'tel:+14255550100;ext=100',
        enabled: false,
        outOfOfficeNote: 'Back on Monday',
      },
      null,
    )
    const { id, createdAt, updatedAt, ...rest } = created
    assert.deepEqual(rest, {
      sipUri: 'sip:dave@example.test',
      displayName: 'Dave Dunn',
      email: 'dave@example.test',
      title: 'Engineer',
      department: 'Research',
      phones: { work: 'tel:+14255550100', mobile: 'tel:+14255550200' },
      homePool: 'pool01.example.test',
      enterpriseVoice: true,
      lineUri: 'tel:+14255550100;ext=100',
      enabled: false,
      outOfOfficeNote: 'Back on Monday',
    })
    // Without a password there is no hash: nothing can sign in as this user.
    assert.equal(await f.store.users.passwordHash(id), null)
  })

  it('gives every user its own id', async () => {
    const a = await f.users.add(dave, null)
    const b = await f.users.add({ ...dave, sipUri: uri('erin@other.test') }, null)
    assert.notEqual(a.id, b.id)
    assert.deepEqual(
      (await f.users.list()).map((u) => u.sipUri),
      ['sip:dave@example.test', 'sip:erin@other.test'],
    )
  })

  it('refuses a duplicate SIP URI', async () => {
    await f.users.add(dave, 'dave-password-1')
    await assert.rejects(
      f.users.add({ ...dave, displayName: 'Other Dave' }, 'x-password-2'),
      invalid(/already exists/),
    )
    assert.equal((await f.users.list()).length, 1)
    assert.equal((await f.users.find(dave.sipUri))?.displayName, 'Dave Dunn')
  })

  it('refuses a SIP domain that is not configured', async () => {
    await assert.rejects(
      f.users.add({ ...dave, sipUri: uri('dave@elsewhere.test') }, 'dave-password-1'),
      invalid(
        /sip:dave@elsewhere\.test: domain is not a configured SIP domain \(example\.test, other\.test\)/,
      ),
    )
  })

  it('refuses a home pool that is not in the topology, or a Director', async () => {
    await assert.rejects(
      f.users.add({ ...dave, homePool: 'pool09.example.test' }, 'dave-password-1'),
      invalid(/home pool pool09\.example\.test is not in the topology/),
    )
    await assert.rejects(
      f.users.add({ ...dave, homePool: 'dir01.example.test' }, 'dave-password-1'),
      invalid(/dir01\.example\.test is a director/),
    )
    assert.deepEqual(await f.users.list(), [])
  })

  it('stores the home pool’s canonical lower-case FQDN, however it was typed', async () => {
    const created = await f.users.add({ ...dave, homePool: 'POOL02.Example.Test' }, null)
    assert.equal(created.homePool, 'pool02.example.test')
    const moved = await f.users.update('dave@example.test', { homePool: 'Pool01.EXAMPLE.test' })
    assert.equal(moved.homePool, 'pool01.example.test')
    assert.equal((await f.users.find(dave.sipUri))?.homePool, 'pool01.example.test')
  })

  it('refuses an empty display name', async () => {
    await assert.rejects(f.users.add({ ...dave, displayName: '   ' }, null), invalid(/display name/))
  })

  it('refuses a password shorter than 8 characters or longer than 1024', async () => {
    assert.equal(MIN_PASSWORD_LENGTH, 8)
    await assert.rejects(f.users.add(dave, 'short-7'), invalid(/at least 8 characters/))
    await assert.rejects(f.users.add(dave, ''), invalid(/at least 8 characters/))
    await assert.rejects(f.users.add(dave, 'x'.repeat(1025)), invalid(/at most 1024 characters/))
    assert.deepEqual(await f.users.list(), [])
    // The limits themselves are fine.
    await f.users.add(dave, '8-chars!')
    await f.users.add({ ...dave, sipUri: uri('erin@example.test') }, 'x'.repeat(1024))
  })
})

describe('UserService.get and find', () => {
  it('finds a user by any accepted form of its SIP address', async () => {
    const created = await f.users.add(dave, null)
    for (const name of [
      'dave@example.test',
      'sip:dave@example.test',
      'SIP:Dave@Example.Test',
      ' dave@example.test ',
    ]) {
      assert.deepEqual(await f.users.get(name), created, name)
    }
    assert.equal(await f.users.find(uri('nobody@example.test')), undefined)
  })

  it('names the missing user', async () => {
    await assert.rejects(f.users.get('Nobody@Example.Test'), invalid(/^no user sip:nobody@example\.test$/))
    await assert.rejects(f.users.get('not an address'), invalid(/^no user not an address$/))
  })
})

describe('UserService.update', () => {
  it('changes the given fields only and moves updatedAt', async () => {
    const created = await f.users.add({ ...dave, title: 'Engineer', email: 'dave@example.test' }, null)
    f.clock.advance(60_000)
    const updated = await f.users.update('dave@example.test', {
      title: 'Manager',
      department: 'Sales',
      phones: { mobile: 'tel:+1555' },
      email: null,
    })
    assert.equal(updated.title, 'Manager')
    assert.equal(updated.department, 'Sales')
    assert.deepEqual(updated.phones, { mobile: 'tel:+1555' })
    assert.equal(updated.email, null)
    assert.equal(updated.displayName, 'Dave Dunn')
    assert.equal(updated.createdAt, created.createdAt)
    assert.equal(updated.updatedAt, created.createdAt + 60_000)
    assert.deepEqual(await f.users.find(dave.sipUri), updated)
    assert.deepEqual(f.revoked, [], 'a profile change keeps sessions')
  })

  it('moving a user to another pool ends its sessions', async () => {
    await f.users.add(dave, null)
    const moved = await f.users.update('dave@example.test', { homePool: 'pool02.example.test' })
    assert.equal(moved.homePool, 'pool02.example.test')
    assert.deepEqual(
      f.revoked.map((u) => [u.sipUri, u.homePool]),
      [['sip:dave@example.test', 'pool02.example.test']],
    )
  })

  it('refuses invalid changes and leaves the user as it was', async () => {
    const created = await f.users.add(dave, null)
    await assert.rejects(
      f.users.update('dave@example.test', { homePool: 'dir01.example.test' }),
      invalid(/director/),
    )
    await assert.rejects(
      f.users.update('dave@example.test', { homePool: 'nope.example.test' }),
      invalid(/topology/),
    )
    await assert.rejects(f.users.update('dave@example.test', { displayName: '' }), invalid(/display name/))
    assert.deepEqual(await f.users.find(dave.sipUri), created)
  })

  it('refuses an unknown user', async () => {
    await assert.rejects(
      f.users.update('ghost@example.test', { title: 'x' }),
      invalid(/no user sip:ghost@example\.test/),
    )
  })
})

describe('UserService.setPassword', () => {
  it('replaces the password and ends the user’s sessions', async () => {
    const created = await f.users.add(dave, 'old-password-1')
    const changed = await f.users.setPassword('Dave@Example.Test', 'new-password-2')
    assert.equal(changed.id, created.id)
    assert.equal(await passwordWorks(created, 'old-password-1'), false)
    assert.equal(await passwordWorks(created, 'new-password-2'), true)
    assert.deepEqual(
      f.revoked.map((u) => u.id),
      [created.id],
    )
  })

  it('sets a first password for a user that had none', async () => {
    const created = await f.users.add(dave, null)
    await f.users.setPassword('dave@example.test', 'first-password')
    assert.equal(await passwordWorks(created, 'first-password'), true)
  })

  it('refuses a short password and keeps the old one', async () => {
    const created = await f.users.add(dave, 'old-password-1')
    await assert.rejects(f.users.setPassword('dave@example.test', 'short'), invalid(/at least 8/))
    assert.equal(await passwordWorks(created, 'old-password-1'), true)
    assert.deepEqual(f.revoked, [])
  })

  it('refuses an unknown user', async () => {
    await assert.rejects(f.users.setPassword('ghost@example.test', 'whatever-pw'), invalid(/no user/))
  })
})

describe('UserService.setEnabled', () => {
  it('disabling ends the user’s sessions; enabling does not', async () => {
    await f.users.add(dave, null)
    const disabled = await f.users.setEnabled('dave@example.test', false)
    assert.equal(disabled.enabled, false)
    assert.equal((await f.users.find(dave.sipUri))?.enabled, false)
    assert.deepEqual(
      f.revoked.map((u) => [u.sipUri, u.enabled]),
      [['sip:dave@example.test', false]],
    )

    // Disabling again changes nothing, so nothing more is revoked.
    await f.users.setEnabled('dave@example.test', false)
    assert.equal(f.revoked.length, 1)

    const enabled = await f.users.setEnabled('dave@example.test', true)
    assert.equal(enabled.enabled, true)
    assert.equal(f.revoked.length, 1)
  })
})

describe('UserService.remove', () => {
  async function giveSessions(user: User, tag: string): Promise<void> {
    const now = f.clock.now()
    await f.store.tokens.insert({
      digest: `digest-${tag}`,
      userId: user.id,
      pool: user.homePool,
      issuedAt: now,
      expiresAt: now + 3_600_000,
    })
    await f.store.applications.insert({
      id: new NodeRandom().applicationId(),
      userId: user.id,
      pool: user.homePool,
      endpointId: `endpoint-${tag}`,
      userAgent: 'test/1.0',
      culture: 'en-US',
      type: 'Browser',
      instanceId: null,
      kind: 'browser',
      createdAt: now,
      lastActivityAt: now,
      expiresAt: now + 900_000,
      communication: DEFAULT_COMMUNICATION,
    })
  }

  it('deletes the user with its tokens and applications, and nobody else’s', async () => {
    const d = await f.users.add(dave, 'dave-password-1')
    const e = await f.users.add({ ...dave, sipUri: uri('erin@example.test'), displayName: 'Erin' }, null)
    await giveSessions(d, 'dave')
    await giveSessions(e, 'erin')
    assert.equal((await f.store.applications.listByUser(d.id)).length, 1)

    const removed = await f.users.remove('sip:dave@example.test')
    assert.equal(removed.id, d.id)
    assert.deepEqual(
      f.revoked.map((u) => u.id),
      [d.id],
    )
    assert.equal(await f.users.find(dave.sipUri), undefined)
    assert.equal(await f.store.users.findById(d.id), undefined)
    assert.equal(await f.store.users.passwordHash(d.id), undefined)
    assert.equal(await f.store.tokens.find('digest-dave'), undefined)
    assert.deepEqual(await f.store.applications.listByUser(d.id), [])

    // Erin is untouched.
    assert.deepEqual(await f.users.find(e.sipUri), e)
    assert.ok(await f.store.tokens.find('digest-erin'))
    assert.equal((await f.store.applications.listByUser(e.id)).length, 1)
  })

  it('the address can be used again afterwards', async () => {
    const first = await f.users.add(dave, 'dave-password-1')
    await f.users.remove('dave@example.test')
    const second = await f.users.add(dave, 'dave-password-2')
    assert.notEqual(second.id, first.id)
    assert.equal(await passwordWorks(second, 'dave-password-1'), false)
  })

  it('refuses an unknown user', async () => {
    await assert.rejects(f.users.remove('ghost@example.test'), invalid(/no user/))
    assert.deepEqual(f.revoked, [])
  })
})

describe('provisionUsers', () => {
  const random = new NodeRandom()
  const configured = config.users
  const withoutPassword = (u: ConfiguredUser): ConfiguredUser => ({ ...u, password: undefined })

  it('creates the configured users with their passwords; nothing is generated', async () => {
    const created = await provisionUsers(f.users, configured, random)
    assert.deepEqual(
      created.map((c) => [c.user.sipUri, c.generatedPassword]),
      [
        ['sip:alice@example.test', undefined],
        ['sip:bob@example.test', undefined],
        ['sip:carol@other.test', undefined],
      ],
    )
    const alice = await f.users.get('alice@example.test')
    assert.equal(alice.displayName, 'Alice Adams')
    assert.deepEqual(alice.phones, { work: 'tel:+14255550101', mobile: 'tel:+14255550201' })
    assert.equal(alice.enterpriseVoice, true)
    assert.equal(await passwordWorks(alice, PASSWORDS.alice), true)
    assert.equal(await passwordWorks(await f.users.get('carol@other.test'), PASSWORDS.carol), true)
  })

  it('generates a password only for a new user configured without one, and returns it', async () => {
    const created = await provisionUsers(f.users, [configured[0]!, withoutPassword(configured[1]!)], random)
    assert.equal(created[0]?.generatedPassword, undefined)
    const generated = created[1]?.generatedPassword
    assert.ok(generated && generated.length >= 16, `generated: ${generated}`)
    const bob = await f.users.get('bob@example.test')
    assert.equal(await passwordWorks(bob, generated), true)

    // A second user gets a different password.
    const more = await provisionUsers(f.users, [withoutPassword(configured[2]!)], random)
    assert.ok(more[0]?.generatedPassword)
    assert.notEqual(more[0]?.generatedPassword, generated)
  })

  it('only creates missing users: existing ones are updated, not re-created or re-passworded', async () => {
    await provisionUsers(f.users, configured, random)
    const aliceBefore = await f.users.get('alice@example.test')
    f.clock.advance(1_000)

    const edited: ConfiguredUser[] = configured.map((u) =>
      u.sipUri === 'sip:alice@example.test'
        ? { ...u, displayName: 'Alice A. Adams', title: 'Principal Engineer', password: 'changed-in-file' }
        : u,
    )
    const created = await provisionUsers(f.users, edited, random)
    assert.deepEqual(created, [], 'nobody new')

    const alice = await f.users.get('alice@example.test')
    assert.equal(alice.id, aliceBefore.id)
    assert.equal(alice.displayName, 'Alice A. Adams')
    assert.equal(alice.title, 'Principal Engineer')
    assert.equal(alice.updatedAt, aliceBefore.updatedAt + 1_000)
    // The file's password applies only at creation.
    assert.equal(await passwordWorks(alice, PASSWORDS.alice), true)
    assert.equal(await passwordWorks(alice, 'changed-in-file'), false)
    assert.deepEqual(f.revoked, [])
  })

  it('moving a user to another pool in the file ends its sessions', async () => {
    await provisionUsers(f.users, configured, random)
    const moved = configured.map((u) =>
      u.sipUri === 'sip:bob@example.test' ? { ...u, homePool: 'pool02.example.test' } : u,
    )
    await provisionUsers(f.users, moved, random)
    assert.equal((await f.users.get('bob@example.test')).homePool, 'pool02.example.test')
    assert.deepEqual(
      f.revoked.map((u) => u.sipUri),
      ['sip:bob@example.test'],
    )
  })

  it('does not re-enable a user disabled since (parley user disable survives a restart)', async () => {
    await provisionUsers(f.users, configured, random)
    await f.users.setEnabled('bob@example.test', false)
    await provisionUsers(f.users, configured, random)
    assert.equal((await f.users.get('bob@example.test')).enabled, false)
    assert.equal((await f.users.get('alice@example.test')).enabled, true)
  })

  it('applies enabled when the file sets it', async () => {
    await provisionUsers(f.users, configured, random)
    const off = configured.map((u) => (u.sipUri === 'sip:bob@example.test' ? { ...u, enabled: false } : u))
    await provisionUsers(f.users, off, random)
    assert.equal((await f.users.get('bob@example.test')).enabled, false)
    const on = configured.map((u) => (u.sipUri === 'sip:bob@example.test' ? { ...u, enabled: true } : u))
    await provisionUsers(f.users, on, random)
    assert.equal((await f.users.get('bob@example.test')).enabled, true)
  })

  it('creates a user configured as disabled in the disabled state', async () => {
    await provisionUsers(f.users, [{ ...configured[1]!, enabled: false }], random)
    assert.equal((await f.users.get('bob@example.test')).enabled, false)
  })

  it('stops at the first invalid user and reports it', async () => {
    const bad: ConfiguredUser = { ...configured[0]!, sipUri: 'sip:zed@nowhere.test' as SipUri }
    await assert.rejects(provisionUsers(f.users, [bad], random), invalid(/nowhere\.test/))
  })
})
