// `parley user` and `parley init`: user management, init, exit codes, and a password set through
// the CLI signing in to a server started from the same config. The commands run in-process
// (helpers/cli.ts); the last block runs the real binary for what only a process shows.
import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { loadConfigFile } from '../../src/config/load.ts'
import { SAMPLE_CONFIG_YAML } from '../../src/config/sample.ts'
import { start } from '../../src/main.ts'
import { Argon2PasswordHasher } from '../../src/platform/argon2-password-hasher.ts'
import { createLogger } from '../../src/platform/logger.ts'
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.ts'
import { cli, exits, parley, ROOT } from '../helpers/cli.ts'
import { DEFAULT_LISTENERS, request, signIn, topologyYaml } from '../helpers/server.ts'

let dir: string
let configPath: string
const user = (...args: string[]) => cli(['user', ...args, '--config', configPath])
const userWithStdin = (stdin: string, ...args: string[]) =>
  cli(['user', ...args, '--config', configPath], { stdin })

/** Whether `password` verifies against the stored hash of `sipUri` (read straight from SQLite). */
async function storedPasswordWorks(sipUri: string, password: string): Promise<boolean> {
  const store = await openSqliteStore(join(dir, 'parley.db'))
  try {
    const found = await store.users.findBySipUri(sipUri as never)
    const hash = found && (await store.users.passwordHash(found.id))
    return typeof hash === 'string' && (await new Argon2PasswordHasher().verify(password, hash))
  } finally {
    await store.close()
  }
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'parley-cli-'))
  configPath = join(dir, 'parley.yaml')
  writeFileSync(configPath, topologyYaml(DEFAULT_LISTENERS))
})
after(() => rmSync(dir, { recursive: true, force: true }))

describe('parley user', () => {
  it('list on a fresh store says there are no users (config users are created by start)', async () => {
    const r = exits(await user('list'), 0)
    assert.equal(r.stdout, 'No users.\n')
    assert.equal(r.stderr, '')
    assert.deepEqual(JSON.parse(exits(await user('list', '--json'), 0).stdout), [])
    // The store lives where the config says, relative to the config file.
    assert.ok(existsSync(join(dir, 'parley.db')))
  })

  it('add without --password-stdin prints a generated password once', async () => {
    const r = exits(
      await user(
        'add',
        'Dave@Example.Test',
        '--name',
        'Dave Dunn',
        '--title',
        'Engineer',
        '--work-phone',
        '+1 (425) 555-0100',
        '--enterprise-voice',
        '--line-uri',
        'tel:+14255550100;ext=100',
      ),
      0,
    )
    assert.match(r.stdout, /^SIP URI: +sip:dave@example\.test$/m)
    assert.match(r.stdout, /^Name: +Dave Dunn$/m)
    assert.match(r.stdout, /^Phones: +work tel:\+14255550100$/m)
    assert.match(r.stdout, /^Home pool: +pool01\.example\.test$/m, 'the first Front End pool by default')
    assert.match(r.stdout, /^Enterprise Voice: +yes$/m)
    assert.match(r.stdout, /^Line URI: +tel:\+14255550100;ext=100$/m)
    const password = /^Generated password \(shown once\): (\S+)$/m.exec(r.stdout)?.[1]
    assert.ok(password, r.stdout)
    assert.ok(password.length >= 16)
    assert.equal(r.stdout.split(password).length - 1, 1, 'the password is printed exactly once')
    assert.equal(await storedPasswordWorks('sip:dave@example.test', password), true)

    // Never shown again.
    const shown = exits(await user('show', 'dave@example.test'), 0)
    assert.ok(!shown.stdout.includes(password))
    assert.ok(!exits(await user('show', 'dave@example.test', '--json'), 0).stdout.includes(password))
  })

  it('add --password-stdin reads the password from standard input and prints none', async () => {
    const r = exits(
      await userWithStdin(
        'erin-secret-pw\n',
        'add',
        'erin@other.test',
        '--name',
        'Erin Ek',
        '--pool',
        'POOL02.example.test',
        '--password-stdin',
      ),
      0,
    )
    assert.doesNotMatch(r.stdout, /password/i)
    assert.ok(!r.stdout.includes('erin-secret-pw'))
    assert.match(r.stdout, /^Home pool: +pool02\.example\.test$/m)
    // The trailing newline is not part of the password.
    assert.equal(await storedPasswordWorks('sip:erin@other.test', 'erin-secret-pw'), true)
    assert.equal(await storedPasswordWorks('sip:erin@other.test', 'erin-secret-pw\n'), false)
  })

  it('add --json prints only JSON, the generated password included', async () => {
    const r = exits(await user('add', 'gina@example.test', '--name', 'Gina', '--json'), 0)
    const out = JSON.parse(r.stdout)
    assert.equal(out.sipUri, 'sip:gina@example.test')
    assert.equal(typeof out.generatedPassword, 'string')
    assert.equal(await storedPasswordWorks('sip:gina@example.test', out.generatedPassword), true)

    const quiet = exits(
      await userWithStdin(
        'hank-password',
        'add',
        'hank@example.test',
        '--name',
        'Hank',
        '--json',
        '--password-stdin',
      ),
      0,
    )
    const hank = JSON.parse(quiet.stdout)
    assert.equal(hank.sipUri, 'sip:hank@example.test')
    assert.equal('generatedPassword' in hank, false)
  })

  it('list prints one line per user, sorted, in text and JSON', async () => {
    const text = exits(await user('list'), 0).stdout
    const lines = text.trimEnd().split('\n')
    assert.deepEqual(
      lines.map((l) => l.split(/\s+/).slice(0, 3)),
      [
        ['sip:dave@example.test', 'enabled', 'pool01.example.test'],
        ['sip:erin@other.test', 'enabled', 'pool02.example.test'],
        ['sip:gina@example.test', 'enabled', 'pool01.example.test'],
        ['sip:hank@example.test', 'enabled', 'pool01.example.test'],
      ],
    )
    assert.match(lines[0] ?? '', /Dave Dunn$/)

    const json = JSON.parse(exits(await user('list', '--json'), 0).stdout)
    assert.deepEqual(
      json.map((u: { sipUri: string }) => u.sipUri),
      ['sip:dave@example.test', 'sip:erin@other.test', 'sip:gina@example.test', 'sip:hank@example.test'],
    )
    const dave = json[0]
    assert.equal(dave.displayName, 'Dave Dunn')
    assert.equal(dave.title, 'Engineer')
    assert.deepEqual(dave.phones, { work: 'tel:+14255550100' })
    assert.equal(dave.enterpriseVoice, true)
    assert.equal(dave.enabled, true)
    // No secret leaves the store.
    assert.doesNotMatch(JSON.stringify(json), /argon2|password/i)
  })

  it('show prints the user in text and JSON, found by any form of its address', async () => {
    const text = exits(await user('show', 'SIP:DAVE@example.test'), 0).stdout
    assert.deepEqual(
      text
        .trimEnd()
        .split('\n')
        .map((l) => l.split(':')[0]),
      [
        'SIP URI',
        'Name',
        'Email',
        'Title',
        'Department',
        'Phones',
        'Home pool',
        'Enterprise Voice',
        'Line URI',
        'Status',
      ],
    )
    assert.match(text, /^Title: +Engineer$/m)
    assert.match(text, /^Status: +enabled$/m)
    const json = JSON.parse(exits(await user('show', 'dave@example.test', '--json'), 0).stdout)
    assert.equal(json.sipUri, 'sip:dave@example.test')
    assert.equal(json.homePool, 'pool01.example.test')
    assert.equal(typeof json.id, 'string')
  })

  it('set changes the given profile fields only', async () => {
    const r = exits(
      await user(
        'set',
        'dave@example.test',
        '--title',
        'Manager',
        '--department',
        'Sales',
        '--mobile-phone',
        'tel:+1 425 555 0199',
        '--email',
        'dave@example.test',
        '--no-enterprise-voice',
      ),
      0,
    )
    assert.match(r.stdout, /^Title: +Manager$/m)
    const json = JSON.parse(exits(await user('show', 'dave@example.test', '--json'), 0).stdout)
    assert.equal(json.title, 'Manager')
    assert.equal(json.department, 'Sales')
    assert.equal(json.email, 'dave@example.test')
    assert.equal(json.enterpriseVoice, false)
    assert.equal(json.displayName, 'Dave Dunn', 'unchanged')
    assert.deepEqual(json.phones, { mobile: 'tel:+14255550199' }, 'the phones given replace the old ones')

    // An empty value clears a field.
    exits(await user('set', 'dave@example.test', '--email', ''), 0)
    assert.equal(JSON.parse(exits(await user('show', 'dave@example.test', '--json'), 0).stdout).email, null)
  })

  it('set refuses a bad phone number (2) and a Director home pool (1)', async () => {
    const phone = exits(await user('set', 'dave@example.test', '--work-phone', 'call me'), 2)
    assert.match(phone.stderr, /"call me" is not a phone number/)
    const pool = exits(await user('set', 'dave@example.test', '--pool', 'dir01.example.test'), 1)
    assert.match(pool.stderr, /director/)
    assert.equal(
      JSON.parse(exits(await user('show', 'dave@example.test', '--json'), 0).stdout).homePool,
      'pool01.example.test',
    )
  })

  it('set-password generates and prints a new password, or reads one from stdin', async () => {
    const r = exits(await user('set-password', 'dave@example.test'), 0)
    assert.match(r.stdout, /Password changed for sip:dave@example\.test/)
    const password = /^New password \(shown once\): (\S+)$/m.exec(r.stdout)?.[1]
    assert.ok(password, r.stdout)
    assert.equal(await storedPasswordWorks('sip:dave@example.test', password), true)

    const s = exits(
      await userWithStdin('dave-new-password\r\n', 'set-password', 'dave@example.test', '--password-stdin'),
      0,
    )
    assert.doesNotMatch(s.stdout, /New password/)
    assert.equal(await storedPasswordWorks('sip:dave@example.test', password), false)
    assert.equal(await storedPasswordWorks('sip:dave@example.test', 'dave-new-password'), true)
  })

  it('set-password refuses a short or empty password and keeps the old one', async () => {
    const short = exits(
      await userWithStdin('short\n', 'set-password', 'dave@example.test', '--password-stdin'),
      1,
    )
    assert.match(short.stderr, /at least 8 characters/)
    const empty = exits(await userWithStdin('', 'set-password', 'dave@example.test', '--password-stdin'), 2)
    assert.match(empty.stderr, /nothing was read from standard input/)
    assert.equal(await storedPasswordWorks('sip:dave@example.test', 'dave-new-password'), true)
  })

  it('disable and enable', async () => {
    const off = exits(await user('disable', 'dave@example.test'), 0)
    assert.match(off.stdout, /^Status: +disabled$/m)
    assert.match(exits(await user('list'), 0).stdout, /^sip:dave@example\.test +disabled /m)
    const on = exits(await user('enable', 'dave@example.test'), 0)
    assert.match(on.stdout, /^Status: +enabled$/m)
    assert.equal(JSON.parse(exits(await user('show', 'dave@example.test', '--json'), 0).stdout).enabled, true)
  })

  it('remove deletes the user', async () => {
    const r = exits(await user('remove', 'gina@example.test'), 0)
    assert.equal(r.stdout, 'removed sip:gina@example.test\n')
    const gone = exits(await user('show', 'gina@example.test'), 1)
    assert.match(gone.stderr, /no user sip:gina@example\.test/)
    assert.doesNotMatch(exits(await user('list'), 0).stdout, /gina/)
  })

  describe('errors and exit codes', () => {
    it('an unknown user: 1, naming the user', async () => {
      for (const verb of ['show', 'set', 'set-password', 'disable', 'enable', 'remove']) {
        const r = exits(await user(verb, 'ghost@example.test'), 1)
        assert.equal(r.stderr, 'parley: no user sip:ghost@example.test\n', verb)
        assert.equal(r.stdout, '', verb)
      }
    })

    it('a bad SIP address: 1, saying what is expected', async () => {
      const r = exits(await user('add', 'not-an-address', '--name', 'X'), 1)
      assert.match(r.stderr, /"not-an-address" is not a SIP address \(expected user@domain\)/)
      assert.equal(r.stdout, '', 'no password is printed for a user that was not created')
    })

    it('add refusals: existing user, unknown domain, Director pool, short password (1)', async () => {
      assert.match(exits(await user('add', 'dave@example.test', '--name', 'D'), 1).stderr, /already exists/)
      assert.match(
        exits(await user('add', 'x@nowhere.test', '--name', 'X'), 1).stderr,
        /not a configured SIP domain/,
      )
      assert.match(
        exits(await user('add', 'x@example.test', '--name', 'X', '--pool', 'dir01.example.test'), 1).stderr,
        /director/,
      )
      assert.match(
        exits(await userWithStdin('short', 'add', 'x@example.test', '--name', 'X', '--password-stdin'), 1)
          .stderr,
        /at least 8 characters/,
      )
      assert.doesNotMatch(exits(await user('list'), 0).stdout, /x@/)
    })

    it('missing --name: 2', async () => {
      const r = exits(await user('add', 'ivy@example.test'), 2)
      assert.match(r.stderr, /user add needs --name/)
      assert.match(r.stderr, /parley --help/)
    })

    it('a verb without its user: 2', async () => {
      assert.match(exits(await user('show'), 2).stderr, /user show needs a user/)
    })

    it('an unknown verb: 2', async () => {
      assert.match(
        exits(await user('frobnicate', 'dave@example.test'), 2).stderr,
        /unknown user verb "frobnicate"/,
      )
    })

    it('an unknown option: 2', async () => {
      assert.match(exits(await user('list', '--colour'), 2).stderr, /--colour/)
      assert.match(exits(await cli(['start', '--bogus']), 2).stderr, /--bogus/)
    })

    it('an unknown command: 2; no command: usage and 2; --help and --version: 0', async () => {
      assert.match(exits(await cli(['frobnicate']), 2).stderr, /unknown command "frobnicate"/)
      assert.match(exits(await cli([]), 2).stdout, /^Usage: parley/)
      assert.match(exits(await cli(['--help']), 0).stdout, /^Usage: parley/)
      assert.match(exits(await cli(['user', '--help']), 0).stdout, /^Usage: parley user/)
      assert.match(exits(await cli(['user']), 2).stdout, /^Usage: parley user/)
      const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'))
      assert.equal(exits(await cli(['--version']), 0).stdout, `${version}\n`)
      assert.equal(exits(await cli(['-v']), 0).stdout, `${version}\n`)
      assert.match(exits(await cli(['--version', '--verbose']), 0).stdout, /^\S+\nnode v\d+\.\d+\.\d+ \S/)
      assert.match(exits(await cli(['--version', 'x']), 2).stderr, /--version takes only --verbose/)
    })

    it('no config file: 78, pointing at parley init', async () => {
      const empty = mkdtempSync(join(tmpdir(), 'parley-cli-empty-'))
      try {
        const r = exits(await cli(['user', 'list'], { cwd: empty }), 78)
        assert.match(r.stderr, /^parley: configuration error: parley\.yaml: /)
        assert.match(r.stderr, /parley init/)
        assert.match(r.stderr, /--config/)
        assert.equal(existsSync(join(empty, 'parley.db')), false)
      } finally {
        rmSync(empty, { recursive: true, force: true })
      }
    })

    it('a --config file that does not exist: 78, naming it', async () => {
      const missing = join(dir, 'missing.yaml')
      const r = exits(await cli(['user', 'list', '--config', missing]), 78)
      assert.match(r.stderr, /configuration error/)
      assert.ok(r.stderr.includes(missing), r.stderr)
      assert.match(r.stderr, /ENOENT/)
    })

    it('a broken config: 78, naming the file and the key', async () => {
      const broken = join(dir, 'broken.yaml')
      writeFileSync(broken, topologyYaml(DEFAULT_LISTENERS).replace('role: director', 'role: boss'))
      const r = exits(await cli(['user', 'list', '--config', broken]), 78)
      assert.equal(
        r.stderr,
        `parley: configuration error: ${broken}: pools[0].role: must be one of: frontend, director\n`,
      )

      writeFileSync(broken, topologyYaml(DEFAULT_LISTENERS).replace('  - name: Dublin\n', ''))
      const site = exits(await cli(['user', 'list', '--config', broken]), 78)
      assert.ok(
        site.stderr.includes(`${broken}: pools[2].site: site "Dublin" is not listed under sites`),
        site.stderr,
      )
    })
  })
})

describe('parley init', () => {
  it('writes a starter that every command runs on as written: no variable, certificate or privilege', async () => {
    const target = join(dir, 'init', 'new', 'parley.yaml')
    const r = exits(await cli(['init', target]), 0)
    assert.match(
      r.stdout,
      /^Wrote .*parley\.yaml\. Edit it, then run: \S.* start --config \S*parley\.yaml\n$/,
    )
    assert.equal(readFileSync(target, 'utf8'), SAMPLE_CONFIG_YAML)
    assert.equal(statSync(target).mode & 0o007, 0, 'not readable by others (it may hold secrets)')

    const on = (...args: string[]) => cli([...args, '--config', target])
    assert.match(exits(await on('user', 'add', 'ola@contoso.com', '--name', 'Ola'), 0).stdout, /Generated/)
    exits(await on('mobility-policy', 'set', 'EnableOutsideVoice=false'), 0)
    exits(await on('admin', 'add', 'ola@contoso.com'), 0)
    assert.match(exits(await on('audit', '--limit', '1'), 0).stdout, /admin\.add sip:ola@contoso\.com/)

    // `parley start` as written, but on free ports (8443, 4443 and 8080 may be taken here).
    const config = loadConfigFile(target, {})
    assert.deepEqual(
      config.listeners.map((l) => [l.address, l.kind, l.tls]),
      [
        ['127.0.0.1', 'internal', undefined],
        ['127.0.0.1', 'external', undefined],
        ['127.0.0.1', 'autodiscover-http', undefined],
      ],
    )
    const server = await start(
      { ...config, listeners: config.listeners.map((l) => ({ ...l, port: 0 })) },
      { logger: createLogger('silent') },
    )
    try {
      assert.deepEqual(
        server.createdUsers.map((u) => [u.user.sipUri, typeof u.generatedPassword]),
        [['sip:lene@contoso.com', 'string']],
      )
      assert.equal((await request(server.url, '/health/ready')).status, 200)
    } finally {
      await server.stop()
    }
    assert.match(exits(await on('user', 'list'), 0).stdout, /lene@contoso\.com[\s\S]*ola@contoso\.com/)
  })

  it('refuses to overwrite an existing file without --force', async () => {
    const target = join(dir, 'existing.yaml')
    writeFileSync(target, 'mine: true\n')
    const r = exits(await cli(['init', target]), 1)
    assert.match(r.stderr, /already exists; pass --force to overwrite it/)
    assert.equal(readFileSync(target, 'utf8'), 'mine: true\n')

    exits(await cli(['init', target, '--force']), 0)
    assert.equal(readFileSync(target, 'utf8'), SAMPLE_CONFIG_YAML)
  })

  it('writes ./parley.yaml by default', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'parley-cli-init-'))
    try {
      exits(await cli(['init'], { cwd }), 0)
      assert.equal(readFileSync(join(cwd, 'parley.yaml'), 'utf8'), SAMPLE_CONFIG_YAML)
    } finally {
      rmSync(cwd, { recursive: true, force: true })
    }
  })
})

describe('a password set with the CLI signs in to the server', () => {
  it('works for add --password-stdin (the real binary reading its stdin), follows set-password and disable', async () => {
    const added = await parley(
      [
        'user',
        'add',
        'frank@example.test',
        '--name',
        'Frank Fox',
        '--password-stdin',
        '--config',
        configPath,
      ],
      { stdin: 'frank-password-9\n' },
    )
    assert.match(exits(added, 0).stdout, /^SIP URI: +sip:frank@example\.test$/m)
    assert.equal(added.stderr, '')

    const server = await start(loadConfigFile(configPath, {}), { logger: createLogger('silent') })
    try {
      const host = 'pool01.example.test'
      const token = await signIn(server.url, host, 'frank@example.test', 'frank-password-9')
      assert.match(token, /^cwt=/)
      const me = await request(server.url, '/Autodiscover/AutodiscoverService.svc/root/oauth/user', {
        host,
        token,
      })
      assert.equal(me.status, 200)

      const wrong = await request(server.url, '/WebTicket/oauthtoken', {
        host,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'password',
          username: 'frank@example.test',
          password: 'frank-password-9\n',
        }).toString(),
      })
      assert.equal(wrong.json?.error, 'invalid_grant')

      // The CLI works on the same store while the server runs.
      exits(
        await userWithStdin('frank-password-10', 'set-password', 'frank@example.test', '--password-stdin'),
        0,
      )
      await assert.rejects(
        signIn(server.url, host, 'frank@example.test', 'frank-password-9'),
        /invalid_grant/,
      )
      await signIn(server.url, host, 'EXAMPLE\\frank', 'frank-password-10')

      exits(await user('disable', 'frank@example.test'), 0)
      await assert.rejects(
        signIn(server.url, host, 'frank@example.test', 'frank-password-10'),
        /invalid_grant/,
      )
    } finally {
      await server.stop()
    }
  })
})
