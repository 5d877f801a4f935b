// argon2id password hashing in PHC format (node:crypto).
import assert from 'node:assert/strict'
import crypto from 'node:crypto'
import { syncBuiltinESMExports } from 'node:module'
import { describe, it, mock } from 'node:test'
import { Argon2PasswordHasher, OWASP_ARGON2ID } from '../../src/platform/argon2-password-hasher.ts'

const PHC = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/
const CHEAP = { memory: 1024, passes: 1, parallelism: 1 }

describe('Argon2PasswordHasher', () => {
  const hasher = new Argon2PasswordHasher()

  it('defaults to OWASP’s first argon2id option: m=19456 KiB, t=2, p=1', async () => {
    assert.deepEqual(OWASP_ARGON2ID, { memory: 19_456, passes: 2, parallelism: 1 })
    const encoded = await hasher.hash('correct horse battery staple')
    const m = PHC.exec(encoded)
    assert.ok(m, encoded)
    assert.deepEqual(m.slice(1, 4), ['19456', '2', '1'])
    // 16-byte salt and 32-byte tag, unpadded standard base64.
    assert.equal(Buffer.from(m[4] ?? '', 'base64').length, 16)
    assert.equal(Buffer.from(m[5] ?? '', 'base64').length, 32)
    assert.doesNotMatch(`${m[4]}$${m[5]}`, /=/)
    assert.ok(encoded.startsWith('$argon2id$v=19$m=19456,t=2,p=1$'))
  })

  it('verifies the right password and refuses wrong ones', async () => {
    const encoded = await hasher.hash('correct horse battery staple')
    assert.equal(await hasher.verify('correct horse battery staple', encoded), true)
    assert.equal(await hasher.verify('correct horse battery stapl', encoded), false)
    assert.equal(await hasher.verify('Correct horse battery staple', encoded), false)
    assert.equal(await hasher.verify('correct horse battery staple ', encoded), false)
    assert.equal(await hasher.verify('', encoded), false)
  })

  it('handles non-ASCII passwords by their UTF-8 bytes', async () => {
    const encoded = await hasher.hash('pässwörd-日本語-🔑')
    assert.equal(await hasher.verify('pässwörd-日本語-🔑', encoded), true)
    // The same letters in another Unicode normal form are different bytes.
    assert.equal(await hasher.verify('pässwörd-日本語-🔑'.normalize('NFD'), encoded), false)
  })

  it('uses a fresh salt for every hash', async () => {
    const a = await hasher.hash('same password')
    const b = await hasher.hash('same password')
    assert.notEqual(a, b)
    assert.notEqual(PHC.exec(a)?.[4], PHC.exec(b)?.[4])
    assert.equal(await hasher.verify('same password', a), true)
    assert.equal(await hasher.verify('same password', b), true)
  })

  it('verifies with the parameters stored in the hash, not its own', async () => {
    const cheap = await new Argon2PasswordHasher(CHEAP).hash('old password')
    assert.match(cheap, /^\$argon2id\$v=19\$m=1024,t=1,p=1\$/)
    assert.equal(await hasher.verify('old password', cheap), true)
    assert.equal(await hasher.verify('other password', cheap), false)
  })

  it('a tampered salt or tag no longer verifies', async () => {
    const encoded = await new Argon2PasswordHasher(CHEAP).hash('password-1')
    const parts = encoded.split('$')
    const flip = (b64: string) => {
      const bytes = Buffer.from(b64, 'base64')
      bytes[0] = (bytes[0] ?? 0) ^ 1
      return bytes.toString('base64').replace(/=+$/, '')
    }
    const badSalt = [...parts.slice(0, 4), flip(parts[4] ?? ''), parts[5]].join('$')
    const badTag = [...parts.slice(0, 5), flip(parts[5] ?? '')].join('$')
    assert.equal(await hasher.verify('password-1', badSalt), false)
    assert.equal(await hasher.verify('password-1', badTag), false)
  })

  it('returns false, never throws, for malformed hashes', async () => {
    const good = await new Argon2PasswordHasher(CHEAP).hash('password-1')
    const [, , version, , salt, tag] = good.split('$')
    const malformed = {
      empty: '',
      garbage: 'not a hash',
      bcrypt: '$2b$10$abcdefghijklmnopqrstuuJ1Yq7p2q3F9uQ1mWzq5m6bJzE1yQ6O',
      argon2i: good.replace('$argon2id$', '$argon2i$'),
      otherVersion: good.replace('$v=19$', '$v=16$'),
      missingTag: good.slice(0, good.lastIndexOf('$')),
      trailing: `${good}$`,
      newline: `${good}\n`,
      // Well-formed PHC strings whose parameters argon2 itself refuses.
      zeroMemory: `$argon2id$${version}$m=0,t=1,p=1$${salt}$${tag}`,
      zeroPasses: `$argon2id$${version}$m=1024,t=0,p=1$${salt}$${tag}`,
      zeroLanes: `$argon2id$${version}$m=1024,t=1,p=0$${salt}$${tag}`,
      memoryOutOfRange: `$argon2id$${version}$m=99999999999,t=1,p=1$${salt}$${tag}`,
      shortSalt: `$argon2id$${version}$m=1024,t=1,p=1$AAAA$${tag}`,
      shortTag: `$argon2id$${version}$m=1024,t=1,p=1$${salt}$AA`,
    }
    for (const [name, encoded] of Object.entries(malformed)) {
      let result: boolean | undefined
      await assert.doesNotReject(async () => {
        result = await hasher.verify('password-1', encoded)
      }, name)
      assert.equal(result, false, name)
    }
  })

  describe('needsRehash', () => {
    it('is false for hashes made with the current parameters or stronger', async () => {
      assert.equal(hasher.needsRehash(await hasher.hash('pw-current')), false)
      const stronger = await new Argon2PasswordHasher({ memory: 32_768, passes: 3, parallelism: 1 }).hash(
        'pw',
      )
      assert.equal(hasher.needsRehash(stronger), false)
    })

    it('is true when memory or passes are weaker', async () => {
      assert.equal(hasher.needsRehash(await new Argon2PasswordHasher(CHEAP).hash('pw-weak')), true)
      const lessMemory = await new Argon2PasswordHasher({ memory: 19_455, passes: 2, parallelism: 1 }).hash(
        'pw',
      )
      assert.equal(hasher.needsRehash(lessMemory), true)
      const fewerPasses = await new Argon2PasswordHasher({ memory: 65_536, passes: 1, parallelism: 1 }).hash(
        'pw',
      )
      assert.equal(hasher.needsRehash(fewerPasses), true)
    })

    it('compares against the hasher’s own parameters', async () => {
      const cheapHasher = new Argon2PasswordHasher(CHEAP)
      const cheap = await cheapHasher.hash('pw')
      assert.equal(cheapHasher.needsRehash(cheap), false)
      assert.equal(hasher.needsRehash(cheap), true)
    })

    it('is true for anything that is not an argon2id PHC string', () => {
      for (const encoded of [
        '',
        'garbage',
        '$2b$10$abcdefghijklmnopqrstuu',
        '$argon2i$v=19$m=19456,t=2,p=1$AAAA$AAAA',
      ]) {
        assert.equal(hasher.needsRehash(encoded), true, encoded)
      }
    })
  })
})

it('refuses stored hashes whose cost no configuration would use (no memory bomb from a row)', async () => {
  const hasher = new Argon2PasswordHasher()
  const salt = Buffer.alloc(16, 1).toString('base64').replace(/=+$/, '')
  const tag = Buffer.alloc(32, 2).toString('base64').replace(/=+$/, '')
  // Counts the derivations: node:crypto's argon2, wrapped, reaches the hasher's import once the
  // builtin's named exports are synced with it.
  const argon2 = mock.method(crypto, 'argon2')
  syncBuiltinESMExports()
  try {
    // The count sees a derivation: a hash of a sane cost is derived (and does not match).
    const sane = 'm=1024,t=1,p=1'
    assert.equal(await hasher.verify('pw', `$argon2id$v=19$${sane}$${salt}$${tag}`), false)
    assert.equal(argon2.mock.callCount(), 1, `${sane} is derived`)
    for (const params of ['m=4194304,t=2,p=1', 'm=19456,t=1000,p=1', 'm=19456,t=2,p=255']) {
      assert.equal(await hasher.verify('pw', `$argon2id$v=19$${params}$${salt}$${tag}`), false)
      assert.equal(argon2.mock.callCount(), 1, `${params} was refused without deriving`)
      assert.equal(hasher.needsRehash(`$argon2id$v=19$${params}$${salt}$${tag}`), true)
    }
  } finally {
    argon2.mock.restore()
    syncBuiltinESMExports()
  }
})
