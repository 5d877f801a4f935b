// `parley user set --photo FILE | --no-photo` (in-process, helpers/cli.ts): JPEG and PNG accepted by
// their magic bytes, other files and oversized ones refused with nothing changed, and the photo
// served over HTTP by a server started from the same config.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { loadConfigFile } from '../../src/config/load.ts'
import { MAX_PHOTO_BYTES } from '../../src/domain/contacts/photo.ts'
import type { SipUri } from '../../src/domain/ids.ts'
import { solidPng } from '../../src/http/hal/placeholder-photo.ts'
import { start } from '../../src/main.ts'
import { createLogger } from '../../src/platform/logger.ts'
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.ts'
import { cli, exits } from '../helpers/cli.ts'
import { createApplication, DEFAULT_LISTENERS, signIn, topologyYaml } from '../helpers/server.ts'

const JPEG = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0xff, 0xd9])
const PNG = solidPng(4, 4, [10, 20, 30])

/** GET with an explicit Host header (fetch cannot set one), keeping the body as bytes. */
async function getBytes(url: URL, headers: Record<string, string>) {
  const { request } = await import('node:http')
  return new Promise<{ status: number; contentType: string | undefined; body: Buffer }>((ok, fail) => {
    const req = request(url, { headers }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () =>
        ok({
          status: res.statusCode ?? 0,
          contentType: res.headers['content-type'],
          body: Buffer.concat(chunks),
        }),
      )
      res.on('error', fail)
    })
    req.on('error', fail)
    req.end()
  })
}

let dir: string
let configPath: string
const user = (...args: string[]) => cli(['user', ...args, '--config', configPath])
const file = (name: string, bytes: Uint8Array | string) => {
  const path = join(dir, name)
  writeFileSync(path, bytes)
  return path
}

/** The photo stored for `sipUri`, read straight from SQLite. */
async function storedPhoto(sipUri: string) {
  const store = await openSqliteStore(join(dir, 'parley.db'))
  try {
    const found = await store.users.findBySipUri(sipUri as SipUri)
    assert.ok(found, `${sipUri} exists`)
    return await store.users.photo(found.id)
  } finally {
    await store.close()
  }
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'parley-photo-cli-'))
  configPath = join(dir, 'parley.yaml')
  writeFileSync(configPath, topologyYaml(DEFAULT_LISTENERS))
  exits(await user('add', 'gina@example.test', '--name', 'Gina Gray'), 0)
})
after(() => rmSync(dir, { recursive: true, force: true }))

describe('parley user set --photo', () => {
  it('stores a JPEG with its type, replaces it with a PNG, and removes it with --no-photo', async () => {
    const jpeg = exits(await user('set', 'gina@example.test', '--photo', file('gina.jpg', JPEG)), 0)
    assert.match(jpeg.stdout, /Photo set \(14 bytes\)\./)
    assert.deepEqual(await storedPhoto('sip:gina@example.test'), {
      bytes: new Uint8Array(JPEG),
      contentType: 'image/jpeg',
    })

    // The type comes from the bytes, not the file name; profile options apply alongside.
    exits(await user('set', 'sip:Gina@example.test', '--photo', file('gina.jpg', PNG), '--title', 'Lead'), 0)
    const png = await storedPhoto('sip:gina@example.test')
    assert.equal(png?.contentType, 'image/png')
    assert.deepEqual(png?.bytes, new Uint8Array(PNG))

    const json = exits(await user('set', 'gina@example.test', '--no-photo', '--json'), 0)
    assert.equal(JSON.parse(json.stdout).sipUri, 'sip:gina@example.test', '--json prints one JSON document')
    assert.equal(await storedPhoto('sip:gina@example.test'), null)
  })

  it('refuses other files, oversized ones and missing ones (1) and both options together (2), changing nothing', async () => {
    exits(await user('set', 'gina@example.test', '--photo', file('keep.png', PNG)), 0)

    const gif = exits(
      await user('set', 'gina@example.test', '--photo', file('x.gif', 'GIF89a...'), '--title', 'X'),
      1,
    )
    assert.match(gif.stderr, /is not a JPEG or PNG image/)
    const big = Buffer.alloc(MAX_PHOTO_BYTES + 1)
    JPEG.copy(big, 0, 0, 3)
    const tooBig = exits(await user('set', 'gina@example.test', '--photo', file('big.jpg', big)), 1)
    assert.match(tooBig.stderr, /at most 262144 \(256 KB\)/)
    const missing = exits(await user('set', 'gina@example.test', '--photo', join(dir, 'nope.jpg')), 1)
    assert.match(missing.stderr, /cannot read .*nope\.jpg \(ENOENT\)/)
    const both = exits(await user('set', 'gina@example.test', '--photo', file('y.png', PNG), '--no-photo'), 2)
    assert.match(both.stderr, /cannot be used together/)
    const nobody = exits(await user('set', 'nobody@example.test', '--photo', file('z.png', PNG)), 1)
    assert.match(nobody.stderr, /no user sip:nobody@example\.test/)

    assert.deepEqual((await storedPhoto('sip:gina@example.test'))?.bytes, new Uint8Array(PNG))
    const shown = exits(await user('show', 'gina@example.test', '--json'), 0)
    assert.notEqual(JSON.parse(shown.stdout).title, 'X', 'a refused photo leaves the profile as it was')
  })

  it('is what the server serves at …/photos/{sip}', async () => {
    exits(await user('set', 'gina@example.test', '--photo', file('served.jpg', JPEG)), 0)
    const server = await start(loadConfigFile(configPath, {}), { logger: createLogger('silent') })
    try {
      const host = 'pool01.example.test'
      const token = await signIn(server.url, host, 'alice@example.test', 'alice-password-1')
      const app = await createApplication(server.url, host, token)
      const href = `${app.json._links.self.href}/photos/gina@example.test`
      const res = await getBytes(new URL(href, server.url), { host, authorization: `Bearer ${token}` })
      assert.equal(res.status, 200)
      assert.equal(res.contentType, 'image/jpeg')
      assert.deepEqual(res.body, JPEG)
    } finally {
      await server.stop()
    }
  })
})
