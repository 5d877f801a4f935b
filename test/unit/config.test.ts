// Reading and validating the config file: the shipped sample and demo load, and every mistake is
// a ConfigError naming the file and the key at fault.
// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${VAR} here is config-file syntax, not JS.
import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { withPort } from '../../src/cli/load-config.ts'
import {
  type Config,
  ConfigError,
  DEFAULT_BODY_LIMIT_BYTES,
  DEFAULT_HTTP_TIMEOUTS,
} from '../../src/config/config.ts'
import { DEMO_CONFIG_YAML, DEMO_PORT, demoConfig } from '../../src/config/demo.ts'
import { loadConfigFile, parseConfig } from '../../src/config/load.ts'
import { SAMPLE_CONFIG_YAML } from '../../src/config/sample.ts'
import { DEFAULT_APPLICATIONS } from '../../src/domain/applications/application-rules.ts'
import { DEFAULT_AUTH } from '../../src/domain/auth/auth-service.ts'
import { DEFAULT_THROTTLE } from '../../src/domain/auth/sign-in-throttle.ts'
import { DEFAULT_LISTENERS, topologyYaml } from '../helpers/server.ts'

const FILE = 'parley-test.yaml'
const CERT = '-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n'
const KEY = '-----BEGIN PRIVATE KEY-----\nMIIBfake\n-----END PRIVATE KEY-----\n'

let dir: string
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'parley-config-'))
  mkdirSync(join(dir, 'certs'))
  for (const name of ['pool01', 'webext']) {
    writeFileSync(join(dir, 'certs', `${name}.pem`), CERT.replace('fake', `${name}-cert`))
    writeFileSync(join(dir, 'certs', `${name}-key.pem`), KEY.replace('fake', `${name}-key`))
  }
})
after(() => rmSync(dir, { recursive: true, force: true }))

const parse = (text: string, env: Record<string, string> = {}): Config =>
  parseConfig(text, { file: FILE, env, baseDir: dir })

/** The test topology (two Front End pools, a Director, three users), with `edit` applied. */
const base = (edit: (yaml: string) => string = (y) => y, extra = ''): string =>
  edit(topologyYaml(DEFAULT_LISTENERS, extra))

/** Replaces `from` (which must occur) with `to`. */
const replace =
  (from: string, to: string) =>
  (yaml: string): string => {
    assert.ok(yaml.includes(from), `test setup: ${JSON.stringify(from)} not in the YAML`)
    return yaml.replace(from, to)
  }

/** Asserts `text` is refused with a ConfigError for `key` whose message matches `pattern`. */
function refused(text: string, key: string, pattern: RegExp, env: Record<string, string> = {}): ConfigError {
  let caught: unknown
  try {
    parse(text, env)
  } catch (error) {
    caught = error
  }
  assert.ok(caught instanceof ConfigError, `expected a ConfigError, got ${String(caught)}`)
  assert.equal(caught.file, FILE)
  assert.equal(caught.key, key)
  assert.ok(caught.message.startsWith(`${FILE}: ${key}${key ? ': ' : ''}`), caught.message)
  assert.match(caught.message, pattern)
  return caught
}

describe('the sample config (parley init)', () => {
  it('loads as written: no environment variable, certificate or privileged port', () => {
    const config = parse(SAMPLE_CONFIG_YAML)
    assert.equal(config.source, FILE)
    const t = config.topology
    assert.deepEqual(
      t.domains.map((d) => [d.name, d.isDefault, d.discoveryPool]),
      [['contoso.com', true, 'pool01.contoso.com']],
    )
    assert.deepEqual(
      t.pools.map((p) => [p.fqdn, p.site, p.role, p.internalWebFqdn, p.externalWebFqdn]),
      [['pool01.contoso.com', 'Redmond', 'frontend', 'pool01.contoso.com', 'webext.contoso.com']],
    )
    // Plain HTTP on loopback behind a TLS-terminating proxy, which clients reach on 443.
    const https = { scheme: 'https', port: 443 }
    assert.deepEqual(
      config.listeners.map((l) => [l.address, l.port, l.kind, l.tls, l.public]),
      [
        ['127.0.0.1', 8443, 'internal', undefined, https],
        ['127.0.0.1', 4443, 'external', undefined, https],
        ['127.0.0.1', 8080, 'autodiscover-http', undefined, undefined],
      ],
    )
    assert.equal(config.storage.sqlitePath, join(dir, 'data', 'parley.db'))

    assert.equal(config.users.length, 1)
    const lene = config.users[0]
    assert.deepEqual(lene, {
      sipUri: 'sip:lene@contoso.com',
      displayName: 'Lene Aaling',
      email: 'lene@contoso.com',
      title: 'Engineer',
      department: 'Research',
      phones: { work: 'tel:+14255550100' },
      homePool: 'pool01.contoso.com',
      enterpriseVoice: true,
      lineUri: 'tel:+14255550100',
      password: undefined,
    })
    // Nothing else is set, so every default applies.
    assert.deepEqual(config.auth, DEFAULT_AUTH)
    assert.deepEqual(config.throttle, DEFAULT_THROTTLE)
    assert.deepEqual(config.applications, DEFAULT_APPLICATIONS)
    assert.deepEqual(config.http, {
      bodyLimitBytes: DEFAULT_BODY_LIMIT_BYTES,
      trustProxy: false,
      timeouts: DEFAULT_HTTP_TIMEOUTS,
    })
    assert.deepEqual(config.logging, { level: 'info' })
  })

  it('serves HTTPS itself as its comment says: TLS files read relative to the config', () => {
    const tls = '\n    tls:\n      certFile: certs/pool01.pem\n      keyFile: certs/pool01-key.pem'
    const config = parse(
      SAMPLE_CONFIG_YAML.replace('port: 8443\n    kind: internal', `port: 8443\n    kind: internal${tls}`),
    )
    assert.deepEqual(config.listeners[0]?.tls, {
      cert: CERT.replace('fake', 'pool01-cert'),
      key: KEY.replace('fake', 'pool01-key'),
    })
  })

  it('loads from a file with loadConfigFile, resolving paths against the file’s directory', () => {
    const path = join(dir, 'sample.yaml')
    writeFileSync(path, SAMPLE_CONFIG_YAML)
    const config = loadConfigFile(path, {})
    assert.equal(config.source, path)
    assert.equal(config.storage.sqlitePath, join(dir, 'data', 'parley.db'))
  })

  it('every commented-out setting is valid when uncommented', () => {
    const tail = SAMPLE_CONFIG_YAML.slice(SAMPLE_CONFIG_YAML.indexOf('# auth:'))
    const uncommented = tail
      .split('\n')
      .map((line) => line.replace(/^# /, '').replace(/\s+#.*$/, ''))
      .join('\n')
    const head = SAMPLE_CONFIG_YAML.slice(0, SAMPLE_CONFIG_YAML.indexOf('# auth:'))
    const config = parse(`${head}${uncommented}`, {})
    assert.equal(config.auth.tokenLifetimeSeconds, 28_800)
    assert.equal(config.throttle.windowSeconds, 900)
    assert.equal(config.applications.maxPerUser, 10)
    assert.deepEqual(config.http.trustProxy, ['10.0.0.5'])
    assert.equal(config.logging.level, 'info')
    assert.equal(config.bus.redis?.url, 'redis://redis.contoso.com:6379')
  })
})

describe('the demo config', () => {
  it('is the documented deployment on port 8080', () => {
    const config = demoConfig({})
    assert.equal(config.source, 'demo')
    assert.equal(config.topology.defaultDomain.name, 'example.test')
    assert.deepEqual(config.listeners, [
      {
        address: 'localhost',
        port: DEMO_PORT,
        kind: 'internal',
        tls: undefined,
        public: undefined,
        timeouts: DEFAULT_HTTP_TIMEOUTS,
      },
    ])
    assert.equal(config.storage.sqlitePath, resolve(process.cwd(), 'data/demo.db'))
    assert.deepEqual(
      config.users.map((u) => [u.sipUri, u.homePool, u.password]),
      [
        ['sip:alice@example.test', 'pool01.example.test', undefined],
        ['sip:bob@example.test', 'pool01.example.test', undefined],
      ],
    )
    // Left out unless the file says so, so `parley user disable` survives a restart.
    assert.equal('enabled' in (config.users[0] ?? {}), false)
  })

  it('takes its port from PARLEY_PORT, as a number', () => {
    const config = demoConfig({ PARLEY_PORT: '9090' })
    assert.equal(config.listeners[0]?.port, 9090)
    assert.equal(typeof config.listeners[0]?.port, 'number')
  })

  it('takes its database path from PARLEY_DEMO_DB', () => {
    assert.equal(demoConfig({ PARLEY_DEMO_DB: ':memory:' }).storage.sqlitePath, ':memory:')
    assert.equal(
      demoConfig({ PARLEY_DEMO_DB: join(dir, 'demo.db') }).storage.sqlitePath,
      join(dir, 'demo.db'),
    )
  })

  it('refuses a PARLEY_PORT that is not a port', () => {
    assert.throws(
      () => demoConfig({ PARLEY_PORT: 'eighty' }),
      (e: unknown) => e instanceof ConfigError && e.file === 'demo' && e.key === 'listeners[0].port',
    )
    assert.throws(() => demoConfig({ PARLEY_PORT: '70000' }), /demo: listeners\[0\]\.port: must be <= 65535/)
  })

  it('is the same text parseConfig reads', () => {
    const config = parseConfig(DEMO_CONFIG_YAML, { file: 'demo', env: {}, baseDir: dir })
    assert.equal(config.storage.sqlitePath, join(dir, 'data', 'demo.db'))
  })
})

describe('the test topology', () => {
  it('loads, with the Director as default discovery pool and users lower-cased', () => {
    const config = parse(base())
    assert.deepEqual(
      config.topology.domains.map((d) => [d.name, d.isDefault, d.discoveryPool]),
      [
        ['example.test', true, 'dir01.example.test'],
        ['other.test', false, 'dir01.example.test'],
      ],
    )
    assert.deepEqual(
      config.users.map((u) => [u.sipUri, u.homePool]),
      [
        ['sip:alice@example.test', 'pool01.example.test'],
        ['sip:bob@example.test', 'pool01.example.test'],
        ['sip:carol@other.test', 'pool02.example.test'],
      ],
    )
    assert.deepEqual(config.users[1], {
      sipUri: 'sip:bob@example.test',
      displayName: 'Bob Baker',
      email: null,
      title: null,
      department: null,
      phones: {},
      homePool: 'pool01.example.test',
      enterpriseVoice: false,
      lineUri: null,
      password: 'bob-password-22',
    })
  })

  it('applies the optional sections', () => {
    const config = parse(
      base(
        replace('sipUri: bob@example.test', 'sipUri: SIP:Bob@Example.Test\n    enabled: false'),
        `auth:
  tokenLifetimeSeconds: 3600
  throttle:
    addressMaxFailures: 7
    windowSeconds: 120
applications:
  mobileIdleTimeoutSeconds: 600
  maxPerUser: 3
http:
  bodyLimitBytes: 2048
  trustProxy: [10.0.0.5, 10.1.0.0/16]
  headersTimeoutSeconds: 5
  requestTimeoutSeconds: 20
`,
      ),
    )
    assert.equal(config.users[1]?.sipUri, 'sip:bob@example.test')
    assert.equal(config.users[1]?.enabled, false)
    assert.equal(config.auth.tokenLifetimeSeconds, 3600)
    assert.equal(config.auth.tokenCacheSeconds, DEFAULT_AUTH.tokenCacheSeconds)
    assert.deepEqual(config.throttle, { ...DEFAULT_THROTTLE, addressMaxFailures: 7, windowSeconds: 120 })
    assert.deepEqual(config.applications.idleTimeoutSeconds, { browser: 900, desktop: 900, mobile: 600 })
    assert.equal(config.applications.maxPerUser, 3)
    const timeouts = { headersTimeoutSeconds: 5, requestTimeoutSeconds: 20, keepAliveTimeoutSeconds: 65 }
    assert.deepEqual(config.http, { bodyLimitBytes: 2048, trustProxy: ['10.0.0.5', '10.1.0.0/16'], timeouts })
    for (const listener of config.listeners) assert.deepEqual(listener.timeouts, timeouts)
    assert.equal(config.logging.level, 'silent')
  })

  it('refuses a header timeout longer than the request timeout', () => {
    // The key named is the one the file sets.
    refused(base(undefined, 'http:\n  requestTimeoutSeconds: 10\n'), 'http.requestTimeoutSeconds', /at least/)
    refused(
      base(undefined, 'http:\n  headersTimeoutSeconds: 200\n'),
      'http.headersTimeoutSeconds',
      /at least/,
    )
    refused(
      base(undefined, 'http:\n  headersTimeoutSeconds: 10\n  requestTimeoutSeconds: 5\n'),
      'http.requestTimeoutSeconds',
      /requestTimeoutSeconds \(5\) must be at least headersTimeoutSeconds \(10\)/,
    )
  })

  it('keeps :memory: as is and resolves other database paths against baseDir', () => {
    assert.equal(parse(base()).storage.sqlitePath, join(dir, 'parley.db'))
    assert.equal(parse(base(replace('path: parley.db', 'path: ":memory:"'))).storage.sqlitePath, ':memory:')
    assert.equal(
      parse(base(replace('path: parley.db', 'path: /var/lib/parley/p.db'))).storage.sqlitePath,
      '/var/lib/parley/p.db',
    )
  })
})

describe('cluster storage and bus', () => {
  const POSTGRES = 'storage:\n  sqlite:\n    path: parley.db'
  const postgres = (url: string, more = '') =>
    replace(POSTGRES, `storage:\n  postgres:\n    url: ${url}${more}`)

  it('a single node by default: SQLite and no bus', () => {
    const config = parse(base())
    assert.equal(config.storage.postgres, undefined)
    assert.equal(config.bus.redis, undefined)
  })

  it('reads storage.postgres and bus.redis, with their defaults', () => {
    const bus = 'bus:\n  redis:\n    url: redis://:secret@10.0.0.6:6379\n'
    const config = parse(
      base(postgres('postgres://parley:pw@db:5432/parley', '\n    maxConnections: 20'), bus),
    )
    assert.deepEqual(config.storage.postgres, {
      url: 'postgres://parley:pw@db:5432/parley',
      maxConnections: 20,
    })
    assert.deepEqual(config.bus.redis, {
      url: 'redis://:secret@10.0.0.6:6379',
      channel: 'parley:wake',
      recheckSeconds: 10,
    })
    assert.equal(parse(base(postgres('postgresql://db/parley'))).storage.postgres?.maxConnections, 10)
  })

  it('PARLEY_POSTGRES_URL and PARLEY_REDIS_URL override the file', () => {
    const env = { PARLEY_POSTGRES_URL: 'postgres://db/p', PARLEY_REDIS_URL: 'redis://cache:6379' }
    const config = parse(base(), env)
    assert.equal(config.storage.postgres?.url, 'postgres://db/p')
    assert.equal(config.bus.redis?.url, 'redis://cache:6379')
  })

  it('refuses both stores, neither, and URLs of the wrong kind', () => {
    refused(
      base(replace(POSTGRES, `${POSTGRES}\n  postgres:\n    url: postgres://db/p`)),
      'storage',
      /one of sqlite and postgres/,
    )
    refused(base(replace(POSTGRES, 'storage: {}')), 'storage', /sqlite or postgres/)
    refused(base(postgres('mysql://db/p')), 'storage.postgres.url', /postgres/)
    refused(base(), 'storage.postgres.url', /PARLEY_POSTGRES_URL/, { PARLEY_POSTGRES_URL: 'http://db' })
    refused(base(), 'bus.redis.url', /PARLEY_REDIS_URL/, { PARLEY_REDIS_URL: 'tcp://cache' })
  })
})

describe('environment variables', () => {
  it('substitutes ${VAR} in any string', () => {
    const config = parse(base(replace('name: Bob Baker', 'name: ${BOB_NAME}')), { BOB_NAME: 'Robert B' })
    assert.equal(config.users[1]?.displayName, 'Robert B')
  })

  it('a missing ${VAR} names the variable and the key', () => {
    refused(
      base(replace('password: bob-password-22', 'password: ${BOB_PASSWORD}')),
      'users[1].password',
      /environment variable BOB_PASSWORD is not set/,
    )
  })

  it('${VAR:-fallback} uses the fallback only when VAR is unset or empty', () => {
    const yaml = base(replace('password: bob-password-22', 'password: ${BOB_PASSWORD:-fallback-pw}'))
    assert.equal(parse(yaml).users[1]?.password, 'fallback-pw')
    assert.equal(parse(yaml, { BOB_PASSWORD: 'from-env-pw' }).users[1]?.password, 'from-env-pw')
    // As in the shell, `:-` treats an empty variable as unset: PARLEY_PORT= must not mean port 0.
    assert.equal(parse(yaml, { BOB_PASSWORD: '' }).users[1]?.password, 'fallback-pw')
    assert.equal(demoConfig({ PARLEY_PORT: '' }).listeners[0]?.port, DEMO_PORT)
  })

  it('an empty fallback is allowed', () => {
    const config = parse(base(replace('name: Bob Baker', 'name: Bob${SUFFIX:-}')))
    assert.equal(config.users[1]?.displayName, 'Bob')
  })

  it('interpolated numbers and booleans are converted to the types the schema wants', () => {
    const config = parse(
      base(
        replace('homePool: pool02.example.test', 'homePool: pool02.example.test\n    enterpriseVoice: ${EV}'),
        'http:\n  bodyLimitBytes: ${LIMIT}\n',
      ),
      { EV: 'true', LIMIT: '4096' },
    )
    assert.equal(config.users[2]?.enterpriseVoice, true)
    assert.equal(config.http.bodyLimitBytes, 4096)
  })

  it('substitutes several variables in one value, and leaves $ without braces alone', () => {
    const config = parse(base(replace('name: Bob Baker', 'name: "${FIRST} ${LAST} costs $5"')), {
      FIRST: 'Bob',
      LAST: 'Baker',
    })
    assert.equal(config.users[1]?.displayName, 'Bob Baker costs $5')
  })
})

describe('validation errors name the file and the key', () => {
  it('invalid YAML, with its line', () => {
    const yaml = 'sipDomains:\n  - name: example.test\n    default: true\nsites:\n  - name: [Redmond\n'
    const error = refused(yaml, 'line 6', /invalid YAML/)
    assert.doesNotMatch(error.message, /\n/, 'one line')
    refused('sipDomains:\n  - name: a\n   bad: indent\n', 'line 3', /invalid YAML/)
  })

  it('an empty file lists the required keys', () => {
    refused('', '', /missing required key\(s\): sipDomains,sites,pools,listeners,storage/)
    refused('# only a comment\n', '', /missing required key/)
  })

  it('a file that is not a mapping', () => {
    refused('- a\n- b\n', '', /must be object/)
  })

  it('an unknown key, at the top level and nested', () => {
    refused(base(undefined, 'sipDomain: x\n'), 'sipDomain', /unknown key/)
    refused(
      base(replace('    role: director', '    role: director\n    colour: red')),
      'pools[0].colour',
      /unknown key/,
    )
    refused(base(replace('level: silent', 'level: silent\n  format: json')), 'logging.format', /unknown key/)
  })

  it('a missing required key', () => {
    refused(
      base(replace('    internalWebFqdn: pool02.example.test\n', '')),
      'pools[2]',
      /missing required key\(s\): internalWebFqdn/,
    )
  })

  it('a value of the wrong type', () => {
    refused(
      base(replace('port: 0, kind: internal', 'port: eighty, kind: internal')),
      'listeners[0].port',
      /must be integer/,
    )
    refused(
      base(replace('enterpriseVoice: true', 'enterpriseVoice: maybe')),
      'users[0].enterpriseVoice',
      /must be boolean/,
    )
    refused(
      base(replace('port: 0, kind: internal', 'port: 65536, kind: internal')),
      'listeners[0].port',
      /65535/,
    )
    refused(
      base(undefined, 'auth:\n  throttle:\n    windowSeconds: 0\n'),
      'auth.throttle.windowSeconds',
      />= 1/,
    )
    refused(base(replace('fqdn: pool02.example.test', 'fqdn: "pool 02"')), 'pools[2].fqdn', /pattern/)
  })

  it('a value outside an enumeration lists the allowed values', () => {
    refused(
      base(replace('role: director', 'role: boss')),
      'pools[0].role',
      /must be one of: frontend, director$/,
    )
    refused(
      base(replace('kind: external', 'kind: public')),
      'listeners[1].kind',
      /must be one of: internal, external, autodiscover-http$/,
    )
    refused(
      base(replace('level: silent', 'level: loud')),
      'logging.level',
      /must be one of: fatal, error, warn, info, debug, trace, silent$/,
    )
  })

  it('no default SIP domain, or two', () => {
    refused(base(replace('    default: true\n', '')), 'sipDomains', /exactly one .*default: true \(found 0\)/)
    refused(
      base(replace('  - name: other.test', '  - name: other.test\n    default: true')),
      'sipDomains',
      /exactly one .*default: true \(found 2\)/,
    )
  })

  it('a duplicate SIP domain', () => {
    refused(base(replace('  - name: other.test', '  - name: Example.Test')), 'sipDomains', /unique/)
  })

  it('a discovery pool that is not listed', () => {
    refused(
      base(replace('  - name: other.test', '  - name: other.test\n    discoveryPool: pool09.example.test')),
      'sipDomains[1].discoveryPool',
      /pool09\.example\.test is not listed under pools/,
    )
  })

  it('a pool whose internal and external web FQDNs are equal (in any case)', () => {
    refused(
      base(replace('externalWebFqdn: webext01.example.test', 'externalWebFqdn: POOL01.example.test')),
      'pools[1].externalWebFqdn',
      /must differ/,
    )
  })

  it('a pool in a site that is not listed', () => {
    refused(
      base(replace('site: Dublin', 'site: Paris')),
      'pools[2].site',
      /site "Paris" is not listed under sites/,
    )
  })

  it('a host name used by two pools', () => {
    refused(
      base(replace('externalWebFqdn: webext02.example.test', 'externalWebFqdn: webext01.example.test')),
      'pools[2].externalWebFqdn',
      /webext01\.example\.test is already used by pool pool01\.example\.test/,
    )
    refused(
      base(replace('internalWebFqdn: pool02.example.test', 'internalWebFqdn: DIREXT.example.test')),
      'pools[2].internalWebFqdn',
      /dirext\.example\.test is already used by pool dir01\.example\.test/,
    )
    // The same pool FQDN twice.
    refused(
      base(replace('fqdn: pool02.example.test', 'fqdn: POOL01.example.test')),
      'pools',
      /must be unique/,
    )
  })

  it('no frontend pool', () => {
    const yaml = base((y) =>
      y.replace(/role: frontend/g, 'role: director').replace(/users:[\s\S]*?\nlogging:/, 'logging:'),
    )
    refused(yaml, 'pools', /at least one pool must be a frontend pool/)
  })

  it('a user homed on a Director or on an unknown pool', () => {
    refused(
      base(replace('homePool: pool02.example.test', 'homePool: dir01.example.test')),
      'users[2].homePool',
      /dir01\.example\.test is a director; directors home no users/,
    )
    refused(
      base(replace('homePool: pool02.example.test', 'homePool: pool09.example.test')),
      'users[2].homePool',
      /pool pool09\.example\.test is not listed under pools/,
    )
  })

  it('a user whose SIP address is invalid or in an unlisted SIP domain', () => {
    refused(
      base(replace('carol@other.test', 'carol@elsewhere.test')),
      'users[2].sipUri',
      /domain of sip:carol@elsewhere\.test is not listed under sipDomains/,
    )
    refused(base(replace('carol@other.test', 'carol')), 'users[2].sipUri', /"carol" is not a SIP address/)
  })

  it('an unreadable TLS file', () => {
    const tls = (cert: string, key: string) =>
      base(
        replace(
          'port: 0, kind: external }',
          `port: 0, kind: external, tls: { certFile: ${cert}, keyFile: ${key} } }`,
        ),
      )
    refused(
      tls('missing.pem', 'certs/webext-key.pem'),
      'listeners[1].tls.certFile',
      /cannot read missing\.pem \(ENOENT\)/,
    )
    refused(
      tls('certs/webext.pem', 'nokey.pem'),
      'listeners[1].tls.keyFile',
      /cannot read nokey\.pem \(ENOENT\)/,
    )
    refused(tls('certs', 'certs/webext-key.pem'), 'listeners[1].tls.certFile', /cannot read certs \(EISDIR\)/)
    // The readable pair loads.
    const ok = parse(tls('certs/webext.pem', 'certs/webext-key.pem'))
    assert.equal(ok.listeners[1]?.tls?.cert, CERT.replace('fake', 'webext-cert'))
  })

  it('listeners that are all autodiscover-http', () => {
    refused(
      base((y) => y.replace(/kind: (internal|external)/g, 'kind: autodiscover-http')),
      'listeners',
      /at least one internal or external listener is needed/,
    )
  })

  it('an empty list where one item is needed', () => {
    refused(base(replace('sites:\n  - name: Redmond\n  - name: Dublin\n', 'sites: []\n')), 'sites', /1/)
  })
})

describe('loadConfigFile', () => {
  it('a missing file is a ConfigError naming it', () => {
    const path = join(dir, 'nope.yaml')
    assert.throws(
      () => loadConfigFile(path, {}),
      (e: unknown) => e instanceof ConfigError && e.file === path && /ENOENT/.test(e.message),
    )
  })
})

describe('withPort (--port / $PARLEY_PORT)', () => {
  const config = () => parse(base())

  it('changes only the first web listener', () => {
    const ports = withPort(config(), '9443').listeners.map((l) => [l.kind, l.port])
    assert.deepEqual(ports, [
      ['internal', 9443],
      ['external', 0],
      ['autodiscover-http', 0],
    ])
    assert.equal(withPort(config(), undefined).listeners[0]?.port, 0)
  })

  it('refuses what is not a port number', () => {
    for (const bad of ['x', '-1', '65536', '8080.5', '', ' ']) {
      assert.throws(() => withPort(config(), bad), ConfigError, JSON.stringify(bad))
    }
  })
})
