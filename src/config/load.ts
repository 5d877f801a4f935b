// Reading and validating the config file. Every failure is a ConfigError naming the file and the
// key, raised before anything listens. `process.env` is read only here (passed in as `env`).
import { readFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import Value from 'typebox/value'
import { LineCounter, parseDocument } from 'yaml'
import { DEFAULT_APPLICATIONS } from '../domain/applications/application-rules.ts'
import { DEFAULT_AUTH } from '../domain/auth/auth-service.ts'
import { DEFAULT_THROTTLE } from '../domain/auth/sign-in-throttle.ts'
import { DEFAULT_HISTORY } from '../domain/history/history-service.ts'
import { DEFAULT_MESSAGING } from '../domain/messaging/messaging-service.ts'
import { type Pool, type SipDomain, Topology } from '../domain/topology/topology.ts'
import { parseSipUri } from '../domain/users/sip-uri.ts'
import {
  type Config,
  ConfigError,
  type ConfiguredUser,
  DEFAULT_BODY_LIMIT_BYTES,
  DEFAULT_HTTP_TIMEOUTS,
  type HttpTimeouts,
  type Listener,
} from './config.ts'
import { ConfigSchema, type RawConfig } from './schema.ts'

type Env = Readonly<Record<string, string | undefined>>

export function loadConfigFile(path: string, env: Env): Config {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    throw new ConfigError(
      path,
      '',
      `cannot read the config file (${(error as NodeJS.ErrnoException).code ?? error}); "parley init" writes a starter`,
    )
  }
  return parseConfig(text, { file: path, env, baseDir: dirname(resolve(path)) })
}

export function parseConfig(text: string, options: { file: string; env: Env; baseDir: string }): Config {
  const { file } = options
  // Without prettyErrors the parser leaves linePos unset; the LineCounter gives the line.
  const lineCounter = new LineCounter()
  const doc = parseDocument(text, { prettyErrors: false, lineCounter })
  const yamlError = doc.errors[0]
  if (yamlError) {
    const line = yamlError.linePos?.[0] ?? lineCounter.linePos(yamlError.pos[0])
    throw new ConfigError(
      file,
      line ? `line ${line.line}` : '',
      `invalid YAML: ${yamlError.message.split('\n')[0]}`,
    )
  }
  // Convert turns interpolated strings into the numbers and booleans the schema asks for.
  const raw = Value.Convert(ConfigSchema, interpolate(doc.toJS() ?? {}, '', options.env, file))
  if (!Value.Check(ConfigSchema, raw)) throw schemaError(file, raw)
  return build(raw, options)
}

/** Replaces `${NAME}` and `${NAME:-fallback}` in every string with environment values. */
function interpolate(value: unknown, key: string, env: Env, file: string): unknown {
  if (typeof value === 'string') {
    return value.replace(
      /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g,
      (_, name: string, fallback?: string) => {
        // As in the shell, `${NAME:-fallback}` also uses the fallback when NAME is set but empty.
        const set = env[name]
        const v = fallback !== undefined && !set ? fallback : set
        if (v === undefined) throw new ConfigError(file, key, `environment variable ${name} is not set`)
        return v
      },
    )
  }
  if (Array.isArray(value)) return value.map((v, i) => interpolate(v, `${key}[${i}]`, env, file))
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, interpolate(v, key ? `${key}.${k}` : k, env, file)]),
    )
  }
  return value
}

function schemaError(file: string, raw: unknown): ConfigError {
  const errors = [...Value.Errors(ConfigSchema, raw)]
  // The deepest path is the most specific complaint; union failures list their allowed values.
  const deepest = errors.reduce((a, b) => (b.instancePath.length > a.instancePath.length ? b : a))
  const at = errors.filter((e) => e.instancePath === deepest.instancePath)
  const allowed = at.flatMap((e) => (e.keyword === 'const' ? [String(e.params.allowedValue)] : []))
  const extra = at.find((e) => e.keyword === 'additionalProperties')
  let message = deepest.message
  if (allowed.length > 0) message = `must be one of: ${allowed.join(', ')}`
  else if (extra) message = `unknown key(s): ${(extra.params.additionalProperties as string[]).join(', ')}`
  // TypeBox reports an unknown key at its own path as "schema is false" (additionalProperties).
  else if (deepest.keyword === 'boolean' && deepest.schemaPath.endsWith('/additionalProperties'))
    message = 'unknown key (keys are camelCase; see docs/configuration.md)'
  else if (deepest.keyword === 'required')
    message = `missing required key(s): ${deepest.params.requiredProperties}`
  return new ConfigError(file, keyOf(deepest.instancePath), message)
}

/** `/pools/0/fqdn` → `pools[0].fqdn`. */
function keyOf(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map((part) => (/^\d+$/.test(part) ? `[${part}]` : `.${part}`))
    .join('')
    .replace(/^\./, '')
}

type Fail = (key: string, message: string) => ConfigError

function build(raw: RawConfig, options: { file: string; baseDir: string; env: Env }): Config {
  const { file, baseDir } = options
  const fail: Fail = (key, message) => new ConfigError(file, key, message)
  const pools = buildPools(raw, fail)
  const domains = buildDomains(raw, pools, fail)
  const apps = raw.applications ?? {}
  const timeouts = buildTimeouts(raw, fail)
  return {
    source: file,
    topology: new Topology(domains, pools),
    listeners: buildListeners(raw, baseDir, timeouts, fail),
    ...buildStorage(raw, options, fail),
    users: buildUsers(raw, domains, pools, fail),
    auth: {
      ...DEFAULT_AUTH,
      ...(raw.auth?.tokenLifetimeSeconds ? { tokenLifetimeSeconds: raw.auth.tokenLifetimeSeconds } : {}),
    },
    throttle: { ...DEFAULT_THROTTLE, ...(raw.auth?.throttle ?? {}) },
    applications: {
      ...DEFAULT_APPLICATIONS,
      maxPerUser: apps.maxPerUser ?? DEFAULT_APPLICATIONS.maxPerUser,
      idleTimeoutSeconds: {
        browser: apps.browserIdleTimeoutSeconds ?? DEFAULT_APPLICATIONS.idleTimeoutSeconds.browser,
        desktop: apps.desktopIdleTimeoutSeconds ?? DEFAULT_APPLICATIONS.idleTimeoutSeconds.desktop,
        mobile: apps.mobileIdleTimeoutSeconds ?? DEFAULT_APPLICATIONS.idleTimeoutSeconds.mobile,
      },
    },
    http: {
      bodyLimitBytes: raw.http?.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES,
      trustProxy: raw.http?.trustProxy ?? false,
      timeouts,
    },
    logging: { level: raw.logging?.level ?? 'info' },
    admin: { exposeOnExternal: raw.admin?.exposeOnExternal ?? false },
    events: {
      defaultTimeoutSeconds: raw.events?.defaultTimeoutSeconds ?? 15,
      maxTimeoutSeconds: raw.events?.maxTimeoutSeconds ?? 180,
      maxBatchEvents: raw.events?.maxBatchEvents ?? 200,
    },
    messaging: {
      ...DEFAULT_MESSAGING,
      ...withoutUndefined({
        answerTimeoutSeconds: raw.messaging?.answerTimeoutSeconds,
        maxMessageBytes: raw.messaging?.maxMessageBytes,
        maxMessagesPerWindow: raw.messaging?.maxMessagesPerWindow,
        rateWindowSeconds: raw.messaging?.rateWindowSeconds,
        maxParticipants: raw.messaging?.maxParticipants,
        endedRetentionMinutes: raw.messaging?.endedRetentionMinutes,
      }),
      historyRetentionDays: raw.messaging?.historyRetentionDays ?? DEFAULT_HISTORY.retentionDays,
    },
  }
}

const lower = (s: string) => s.toLowerCase()

/** Default pool size per node: enough for a busy node, small enough for a few nodes per server. */
const DEFAULT_POSTGRES_MAX_CONNECTIONS = 10

// The environment overrides the file (PARLEY_POSTGRES_URL, PARLEY_REDIS_URL): one config file
// serves every node and every environment, and the database password stays out of it.
function buildStorage(
  raw: RawConfig,
  options: { baseDir: string; env: Env },
  fail: Fail,
): Pick<Config, 'storage' | 'bus'> {
  const { env, baseDir } = options
  const postgresUrl = env.PARLEY_POSTGRES_URL || raw.storage.postgres?.url
  const redisUrl = env.PARLEY_REDIS_URL || raw.bus?.redis?.url
  const sqlite = raw.storage.sqlite?.path
  if (raw.storage.sqlite && raw.storage.postgres)
    throw fail('storage', 'choose one of sqlite and postgres, not both')
  if (!sqlite && !postgresUrl) throw fail('storage', 'missing required key(s): sqlite or postgres')
  if (postgresUrl && !/^postgres(ql)?:\/\//.test(postgresUrl))
    throw fail('storage.postgres.url', 'must start with postgres:// (PARLEY_POSTGRES_URL)')
  if (redisUrl && !/^rediss?:\/\//.test(redisUrl))
    throw fail('bus.redis.url', 'must start with redis:// or rediss:// (PARLEY_REDIS_URL)')
  return {
    storage: {
      sqlitePath: !sqlite ? '' : sqlite === ':memory:' ? ':memory:' : resolve(baseDir, sqlite),
      postgres: postgresUrl
        ? {
            url: postgresUrl,
            maxConnections: raw.storage.postgres?.maxConnections ?? DEFAULT_POSTGRES_MAX_CONNECTIONS,
          }
        : undefined,
    },
    bus: {
      redis: redisUrl
        ? {
            url: redisUrl,
            channel: raw.bus?.redis?.channel ?? 'parley:wake',
            recheckSeconds: raw.bus?.redis?.recheckSeconds ?? 10,
          }
        : undefined,
    },
  }
}

function buildPools(raw: RawConfig, fail: Fail): Pool[] {
  const sites = new Set(raw.sites.map((s) => s.name))
  const seenHosts = new Map<string, string>()
  const pools: Pool[] = raw.pools.map((p, i) => {
    const key = `pools[${i}]`
    if (!sites.has(p.site)) throw fail(`${key}.site`, `site "${p.site}" is not listed under sites`)
    const internal = lower(p.internalWebFqdn)
    const external = lower(p.externalWebFqdn)
    if (internal === external) {
      throw fail(`${key}.externalWebFqdn`, 'the internal and external web FQDNs of a pool must differ')
    }
    for (const [name, host] of [
      ['fqdn', lower(p.fqdn)],
      ['internalWebFqdn', internal],
      ['externalWebFqdn', external],
    ] as const) {
      const owner = seenHosts.get(host)
      if (owner && owner !== lower(p.fqdn))
        throw fail(`${key}.${name}`, `${host} is already used by pool ${owner}`)
      seenHosts.set(host, lower(p.fqdn))
    }
    const originOverrides: Pool['originOverrides'] = {
      ...(p.internalWebUrl ? { Internal: p.internalWebUrl.toLowerCase() } : {}),
      ...(p.externalWebUrl ? { External: p.externalWebUrl.toLowerCase() } : {}),
    }
    return {
      fqdn: lower(p.fqdn),
      site: p.site,
      role: p.role,
      internalWebFqdn: internal,
      externalWebFqdn: external,
      originOverrides,
    }
  })
  if (new Set(pools.map((p) => p.fqdn)).size !== pools.length)
    throw fail('pools', 'pool FQDNs must be unique')
  if (!pools.some((p) => p.role === 'frontend'))
    throw fail('pools', 'at least one pool must be a frontend pool')
  return pools
}

function buildDomains(raw: RawConfig, pools: readonly Pool[], fail: Fail): SipDomain[] {
  const defaults = raw.sipDomains.filter((d) => d.default)
  if (defaults.length !== 1) {
    throw fail('sipDomains', `exactly one SIP domain must have default: true (found ${defaults.length})`)
  }
  const known = new Set(pools.map((p) => p.fqdn))
  const fallbackDiscovery = (pools.find((p) => p.role === 'director') ?? pools[0])?.fqdn ?? ''
  const domains: SipDomain[] = raw.sipDomains.map((d, i) => {
    const discoveryPool = lower(d.discoveryPool ?? fallbackDiscovery)
    if (!known.has(discoveryPool)) {
      throw fail(`sipDomains[${i}].discoveryPool`, `pool ${discoveryPool} is not listed under pools`)
    }
    return { name: lower(d.name), isDefault: d.default === true, discoveryPool }
  })
  if (new Set(domains.map((d) => d.name)).size !== domains.length)
    throw fail('sipDomains', 'SIP domains must be unique')
  return domains
}

function buildTimeouts(raw: RawConfig, fail: Fail): HttpTimeouts {
  const timeouts: HttpTimeouts = {
    ...DEFAULT_HTTP_TIMEOUTS,
    ...withoutUndefined({
      headersTimeoutSeconds: raw.http?.headersTimeoutSeconds,
      requestTimeoutSeconds: raw.http?.requestTimeoutSeconds,
      keepAliveTimeoutSeconds: raw.http?.keepAliveTimeoutSeconds,
    }),
  }
  // Node refuses a header timeout longer than the request timeout it is part of.
  if (timeouts.headersTimeoutSeconds > timeouts.requestTimeoutSeconds) {
    const key =
      raw.http?.requestTimeoutSeconds === undefined ? 'headersTimeoutSeconds' : 'requestTimeoutSeconds'
    throw fail(
      `http.${key}`,
      `requestTimeoutSeconds (${timeouts.requestTimeoutSeconds}) must be at least headersTimeoutSeconds (${timeouts.headersTimeoutSeconds})`,
    )
  }
  return timeouts
}

function buildListeners(raw: RawConfig, baseDir: string, timeouts: HttpTimeouts, fail: Fail): Listener[] {
  const listeners: Listener[] = raw.listeners.map((l, i) => {
    const key = `listeners[${i}]`
    const readPem = (name: 'certFile' | 'keyFile', path: string) => {
      try {
        return readFileSync(resolve(baseDir, path), 'utf8')
      } catch (error) {
        throw fail(
          `${key}.tls.${name}`,
          `cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? error})`,
        )
      }
    }
    const tls = l.tls
      ? { cert: readPem('certFile', l.tls.certFile), key: readPem('keyFile', l.tls.keyFile) }
      : undefined
    return { address: l.address, port: l.port, kind: l.kind, tls, public: l.public, timeouts }
  })
  if (!listeners.some((l) => l.kind !== 'autodiscover-http')) {
    throw fail(
      'listeners',
      'at least one internal or external listener is needed (autodiscover-http serves discovery only)',
    )
  }
  return listeners
}

function buildUsers(
  raw: RawConfig,
  domains: readonly SipDomain[],
  pools: readonly Pool[],
  fail: Fail,
): ConfiguredUser[] {
  const domainNames = new Set(domains.map((d) => d.name))
  const poolByFqdn = new Map(pools.map((p) => [p.fqdn, p]))
  return (raw.users ?? []).map((u, i) => {
    const key = `users[${i}]`
    const sipUri = parseSipUri(u.sipUri)
    if (!sipUri) throw fail(`${key}.sipUri`, `"${u.sipUri}" is not a SIP address (user@domain)`)
    if (!domainNames.has(sipUri.slice(sipUri.indexOf('@') + 1))) {
      throw fail(`${key}.sipUri`, `the domain of ${sipUri} is not listed under sipDomains`)
    }
    const home = poolByFqdn.get(lower(u.homePool))
    if (!home) throw fail(`${key}.homePool`, `pool ${u.homePool} is not listed under pools`)
    if (home.role !== 'frontend')
      throw fail(`${key}.homePool`, `${u.homePool} is a director; directors home no users`)
    return {
      sipUri,
      displayName: u.name,
      email: u.email ?? null,
      title: u.title ?? null,
      department: u.department ?? null,
      phones: u.phones ?? {},
      homePool: home.fqdn,
      enterpriseVoice: u.enterpriseVoice ?? false,
      lineUri: u.lineUri ?? null,
      // Left out unless the file says so: `parley user disable` must survive a restart.
      ...(u.enabled !== undefined ? { enabled: u.enabled } : {}),
      password: u.password,
    }
  })
}

/** The keys of `values` that are set (so defaults spread before them survive). */
function withoutUndefined<T extends Record<string, unknown>>(values: T): Partial<T> {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined)) as Partial<T>
}
