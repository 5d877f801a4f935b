// `parley mobility-policy | mcx-config | push-config <verb>`, `parley user effective-policy`,
// `parley admin …` and `parley audit`: the policy cmdlets as CLI verbs (docs/policies.md).
// Works on the store the config names (SQLite or PostgreSQL), with or without the server running.
// With a cluster bus the running nodes re-read the policies and signed-in clients get their
// `policies` event at once; on one SQLite node within 5 seconds and at their next poll.
import { userInfo } from 'node:os'
import { withServices } from '../app/services.ts'
import type { Scope } from '../domain/policies/identity.ts'
import { KINDS, type PolicyKind } from '../domain/policies/kinds.ts'
import type { SettingValue } from '../domain/policies/parameters.ts'
import type { EffectivePolicy, PolicyService, PolicyView } from '../domain/policies/policy-service.ts'
import type { AuditEntry } from '../domain/policies/policy-types.ts'
import { SCOPE_FORMS } from '../domain/policies/scopes.ts'
import type { Io } from './io.ts'
import { loadCliConfig } from './load-config.ts'
import { EXIT, parse, UsageError } from './usage.ts'

const COMMON = {
  config: { type: 'string' },
  demo: { type: 'boolean' },
  json: { type: 'boolean' },
  help: { type: 'boolean' },
} as const

const POLICY_OPTIONS = {
  ...COMMON,
  filter: { type: 'string' },
  force: { type: 'boolean' },
  policy: { type: 'string' },
} as const

const policyHelp = (kind: PolicyKind): string => {
  const spec = KINDS[kind]
  const grant = kind === 'mobility-policy'
  const verbs: [string, string][] = [
    [
      'new IDENTITY [Param=Value …]',
      `create a ${spec.newScopes.map(form).join(' or ')} object from the defaults`,
    ],
    ['set [IDENTITY] [Param=Value …]', 'change parameters (IDENTITY defaults to Global)'],
    [
      'get [IDENTITY] [--filter PATTERN]',
      "show objects (all by default; PATTERN takes * and ?, e.g. 'site:*')",
    ],
    ...(grant
      ? ([
          [
            'grant USER --policy NAME|none',
            "give USER the per-user policy Tag:NAME ('tag:' optional; also as 2nd argument); none unassigns",
          ],
        ] as [string, string][])
      : []),
    [
      `remove IDENTITY${grant ? ' [--force]' : ''}`,
      `remove (Global: reset to the defaults)${grant ? '; --force if still granted' : ''}`,
    ],
    ['parameters', 'list the parameters, their defaults and whether Parley enforces them'],
  ]
  return `Usage: parley ${kind} <verb> …   (like New/Set/Get/${grant ? 'Grant/' : ''}Remove-${spec.noun})

${verbs.map(([verb, what]) => `  ${verb.padEnd(36)}${what}`).join('\n')}

Identities: ${spec.scopes.map(form).join(', ')}. Parameter names are case-insensitive;
booleans take true/false ($true/$false too). Every verb takes --config FILE or --demo, and --json.
`
}

const form = (scope: Scope): string => SCOPE_FORMS[scope]

const actor = (): string => `cli:${safeUser()}`
function safeUser(): string {
  try {
    return userInfo().username
  } catch {
    return 'unknown'
  }
}

/** `Name=Value` arguments → a settings input; anything else is a usage error. */
function assignments(args: readonly string[]): Record<string, string> {
  const input: Record<string, string> = {}
  for (const arg of args) {
    const eq = arg.indexOf('=')
    if (eq <= 0) throw new UsageError(`"${arg}" is not Parameter=Value (e.g. EnableOutsideVoice=false)`)
    const name = arg.slice(0, eq).replace(/^-+/, '')
    if (name in input) throw new UsageError(`${name} is given twice`)
    input[name] = arg.slice(eq + 1)
  }
  return input
}

export async function runPolicyCommand(kind: PolicyKind, args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, POLICY_OPTIONS)
  const [verb, ...rest] = positionals
  if (!verb || values.help) {
    io.out(policyHelp(kind))
    return verb || values.help ? EXIT.ok : EXIT.usage
  }
  if (verb === 'parameters') return printParameters(io, kind, values.json === true)
  const run = Object.hasOwn(VERBS, verb) ? VERBS[verb] : undefined
  if (!run) throw new UsageError(`unknown ${kind} verb "${verb}"`)
  if (values.force && verb !== 'remove') throw new UsageError('--force applies to remove only')
  if (values.filter !== undefined && verb !== 'get') throw new UsageError('--filter applies to get only')
  if (values.policy !== undefined && verb !== 'grant') throw new UsageError('--policy applies to grant only')
  const context = {
    io,
    kind,
    rest,
    json: values.json === true,
    force: values.force === true,
    filter: values.filter,
    policy: values.policy,
  }
  return withServices(loadCliConfig(values, io), ({ policies }) => run({ ...context, policies }))
}

interface VerbContext {
  readonly io: Io
  readonly policies: PolicyService
  readonly kind: PolicyKind
  readonly rest: readonly string[]
  readonly json: boolean
  readonly force: boolean
  readonly filter: string | undefined
  /** grant's `--policy NAME|none` (the cmdlet's -PolicyName), or the second positional. */
  readonly policy: string | undefined
}

const VERBS: Readonly<Record<string, (c: VerbContext) => Promise<number>>> = {
  async new({ io, policies, kind, rest, json }) {
    const [identity, ...pairs] = rest
    if (!identity) {
      throw new UsageError(`${kind} new needs an identity (${KINDS[kind].newScopes.map(form).join(', ')})`)
    }
    return printViews(
      io,
      [await policies.create(kind, identity, assignments(pairs), actor())],
      json,
      'Created',
    )
  },
  async set({ io, policies, kind, rest, json }) {
    // The identity is optional (Global); the first Name=Value starts the parameters.
    const identity = rest[0] && !rest[0].includes('=') ? rest[0] : undefined
    const pairs = identity === undefined ? rest : rest.slice(1)
    return printViews(io, [await policies.set(kind, identity, assignments(pairs), actor())], json, 'Changed')
  },
  async get({ io, policies, kind, rest, json, filter }) {
    if (rest.length > 1) throw new UsageError(`${kind} get takes at most one identity`)
    return printViews(io, await policies.get(kind, { identity: rest[0], filter }), json)
  },
  async remove({ io, policies, kind, rest, json, force }) {
    const [identity, extra] = rest
    if (!identity || extra !== undefined) throw new UsageError(`${kind} remove needs exactly one identity`)
    const result = await policies.remove(kind, identity, force, actor())
    if (result) return printViews(io, [result], json, 'Reset to the defaults')
    io.out(json ? `${JSON.stringify({ removed: identity })}\n` : `Removed ${identity}.\n`)
    return EXIT.ok
  },
  async grant({ io, policies, kind, rest, json, policy: option }) {
    if (kind !== 'mobility-policy')
      throw new UsageError(`${kind} has no per-user assignment; it applies by scope`)
    const [user, positional, extra] = rest
    if (option !== undefined && positional !== undefined) throw new UsageError('give the policy once')
    const policy = option ?? positional
    if (!user || !policy || extra !== undefined) {
      throw new UsageError('mobility-policy grant needs USER and --policy NAME (or none)')
    }
    const name = /^(none|\$null|null)$/i.test(policy) ? null : policy
    return printEffective(io, await policies.grant(user, name, actor()), json)
  },
}

/** `parley user effective-policy USER`. */
export async function runEffectivePolicy(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, COMMON)
  const [user, extra] = positionals
  if (!user || extra !== undefined)
    throw new UsageError('user effective-policy needs one user (a SIP address)')
  return withServices(loadCliConfig(values, io), async ({ policies }) =>
    printEffective(io, await policies.effectiveFor(user), values.json === true),
  )
}

const ADMIN_HELP = `Usage: parley admin add USER | remove USER | list   (the admin role of the admin REST API)
`

/** `parley admin add|remove USER`, `parley admin list`. */
export async function runAdmin(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, COMMON)
  const [verb, user, extra] = positionals
  if (!verb || values.help) {
    io.out(ADMIN_HELP)
    return verb || values.help ? EXIT.ok : EXIT.usage
  }
  const json = values.json === true
  if (verb !== 'list' && verb !== 'add' && verb !== 'remove')
    throw new UsageError(`unknown admin verb "${verb}"`)
  return withServices(loadCliConfig(values, io), async ({ policies }) => {
    if (verb === 'list') {
      const admins = await policies.admins()
      if (json) io.out(`${JSON.stringify(admins, null, 2)}\n`)
      else io.out(admins.length ? `${admins.join('\n')}\n` : 'No admins.\n')
      return EXIT.ok
    }
    if (!user || extra !== undefined) throw new UsageError(`admin ${verb} needs one user (a SIP address)`)
    const changed = await policies.setAdmin(user, verb === 'add', actor())
    if (json) io.out(`${JSON.stringify({ user, admin: verb === 'add', changed })}\n`)
    else
      io.out(
        `${user} ${verb === 'add' ? 'is an admin' : 'is not an admin'}${changed ? '' : ' (unchanged)'}.\n`,
      )
    return EXIT.ok
  })
}

/** `parley audit [--limit N] [--before SEQ]`: the audit log, newest first. */
export async function runAudit(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, {
    ...COMMON,
    limit: { type: 'string' },
    before: { type: 'string' },
  })
  if (values.help) {
    io.out('Usage: parley audit [--limit N (default 50)] [--before SEQ] [--json]\n')
    return EXIT.ok
  }
  if (positionals.length > 0) throw new UsageError('audit takes no arguments')
  const limit = count('--limit', values.limit, 50)
  const before = values.before === undefined ? undefined : count('--before', values.before, 0)
  return withServices(loadCliConfig(values, io), async ({ policies }) => {
    const entries = await policies.audit({ limit, beforeSeq: before })
    if (values.json) io.out(`${JSON.stringify(entries, null, 2)}\n`)
    else printAudit(io, entries)
    return EXIT.ok
  })
}

function count(option: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback
  if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > 10_000) {
    throw new UsageError(`${option} must be a whole number from 1 to 10000`)
  }
  return Number(text)
}

// ---- output --------------------------------------------------------------------------------

const shown = (v: SettingValue): string => (typeof v === 'boolean' ? (v ? 'True' : 'False') : String(v))

function printViews(io: Io, views: readonly PolicyView[], json: boolean, verb?: string): number {
  if (json) {
    io.out(`${JSON.stringify(verb ? views[0] : views, null, 2)}\n`)
    return EXIT.ok
  }
  if (verb && views[0]) io.out(`${verb} ${views[0].identity}.\n`)
  if (views.length === 0) io.out('Nothing matches.\n')
  for (const [i, view] of views.entries()) {
    if (i > 0 || verb) io.out('\n')
    const rows: [string, string][] = [
      ['Identity', view.identity],
      ...Object.entries(view.settings).map(([k, v]) => [k, shown(v)] as [string, string]),
    ]
    if (view.assignedUsers !== undefined) rows.push(['(granted to users)', String(view.assignedUsers)])
    const width = Math.max(...rows.map(([k]) => k.length))
    for (const [k, v] of rows) io.out(`${k.padEnd(width)} : ${v}\n`)
  }
  return EXIT.ok
}

function printEffective(io: Io, effective: EffectivePolicy, json: boolean): number {
  if (json) {
    io.out(`${JSON.stringify(effective, null, 2)}\n`)
    return EXIT.ok
  }
  const out = (line: string) => io.out(`${line}\n`)
  out(`User          : ${effective.user}`)
  out(`Home pool     : ${effective.homePool} (site ${effective.site ?? 'unknown'})`)
  out(`Granted       : ${effective.granted ? `Tag:${effective.granted}` : '<Automatic>'}`)
  for (const [title, e] of [
    ['Mobility policy', effective.mobility],
    ['Mcx configuration', effective.mcx],
    ['Push configuration', effective.push],
  ] as const) {
    out('')
    out(`${title}: ${e.source}`)
    const width = Math.max(...Object.keys(e.settings).map((k) => k.length))
    for (const [k, v] of Object.entries(e.settings)) out(`  ${k.padEnd(width)} : ${shown(v)}`)
  }
  return EXIT.ok
}

function printParameters(io: Io, kind: PolicyKind, json: boolean): number {
  const specs = KINDS[kind].parameters
  if (json) {
    io.out(`${JSON.stringify(specs, null, 2)}\n`)
    return EXIT.ok
  }
  const width = Math.max(...specs.map((p) => p.name.length))
  for (const p of specs) {
    const type = p.values ? p.values.join('|') : p.type
    io.out(
      `${p.name.padEnd(width)}  ${type.padEnd(22)} default ${shown(p.default).padEnd(22)} ${p.enforced ? '' : '(not enforced) '}${p.description}\n`,
    )
  }
  return EXIT.ok
}

function printAudit(io: Io, entries: readonly AuditEntry[]): void {
  if (entries.length === 0) {
    io.out('The audit log is empty.\n')
    return
  }
  for (const e of entries) {
    io.out(
      `#${e.seq} ${new Date(e.at).toISOString()} ${e.actor} ${e.action} ${e.target}\n  before: ${JSON.stringify(e.before)}\n  after:  ${JSON.stringify(e.after)}\n`,
    )
  }
}
