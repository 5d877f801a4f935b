// `parley user add | list | show | set | set-password | disable | enable | remove`.
// Works on the store the config names (SQLite or PostgreSQL), with or without the server running;
// running nodes drop what they cached of a changed user (src/app/services.ts, withServices).
import { readFileSync, statSync } from 'node:fs'
import { withServices } from '../app/services.ts'
import type { Config } from '../config/config.ts'
import { MAX_PHOTO_BYTES, photoTypeOf } from '../domain/contacts/photo.ts'
import { requireSipUri, type UserService, UserValidationError } from '../domain/users/user-service.ts'
import type { PhoneNumbers, User, UserPatch } from '../domain/users/user-types.ts'
import { NodeRandom } from '../platform/node-random.ts'
import type { Io } from './io.ts'
import { loadCliConfig } from './load-config.ts'
import { EXIT, parse, UsageError } from './usage.ts'

const HELP = `Usage: parley user <verb> [USER] [options]   (USER is a SIP address: alice@example.test)

  add USER --name NAME [--pool FQDN] [profile options] [--password-stdin]
  list [--json]
  show USER [--json]
  set USER [profile options] [--photo FILE | --no-photo]
  set-password USER [--password-stdin]   (without it a password is generated and printed)
  disable USER | enable USER | remove USER

Profile options: --name, --email, --title, --department, --work-phone, --mobile-phone,
  --home-phone, --other-phone, --pool, --enterprise-voice / --no-enterprise-voice, --line-uri
Photo options (set): --photo FILE (a JPEG or PNG of at most ${MAX_PHOTO_BYTES / 1024} KB), --no-photo
Every verb also takes --config FILE or --demo, and --json.
`

const OPTIONS = {
  config: { type: 'string' },
  demo: { type: 'boolean' },
  json: { type: 'boolean' },
  name: { type: 'string' },
  email: { type: 'string' },
  title: { type: 'string' },
  department: { type: 'string' },
  'work-phone': { type: 'string' },
  'mobile-phone': { type: 'string' },
  'home-phone': { type: 'string' },
  'other-phone': { type: 'string' },
  pool: { type: 'string' },
  'enterprise-voice': { type: 'boolean' },
  'no-enterprise-voice': { type: 'boolean' },
  'line-uri': { type: 'string' },
  photo: { type: 'string' },
  'no-photo': { type: 'boolean' },
  'password-stdin': { type: 'boolean' },
  help: { type: 'boolean' },
} as const

type Values = ReturnType<typeof parse<typeof OPTIONS>>['values']

export async function runUser(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, OPTIONS)
  const [verb, name] = positionals
  if (!verb || values.help) {
    io.out(HELP)
    return verb || values.help ? EXIT.ok : EXIT.usage
  }
  if (!VERBS.has(verb)) throw new UsageError(`unknown user verb "${verb}"`)
  const need = () => {
    if (!name) throw new UsageError(`user ${verb} needs a user (a SIP address)`)
    return name
  }
  if (verb !== 'list') need()
  const config = loadCliConfig(values, io)
  return withServices(config, async ({ users }) => {
    const out = new Output(io, values.json === true)
    switch (verb) {
      case 'add':
        return await add(users, config, need(), values, io, out)
      case 'list':
        return out.users(await users.list())
      case 'show':
        return out.user(await users.get(need()))
      case 'set':
        return await set(users, need(), values, out)
      case 'set-password':
        return await setPassword(users, need(), values, io)
      case 'disable':
      case 'enable':
        return out.user(await users.setEnabled(need(), verb === 'enable'))
      default:
        return out.user(await users.remove(need()), 'removed')
    }
  })
}

const VERBS = new Set(['add', 'list', 'show', 'set', 'set-password', 'disable', 'enable', 'remove'])

async function add(
  users: UserService,
  config: Config,
  name: string,
  values: Values,
  io: Io,
  out: Output,
): Promise<number> {
  if (!values.name) throw new UsageError('user add needs --name "Display Name"')
  const pool = values.pool ?? config.topology.pools.find((p) => p.role === 'frontend')?.fqdn ?? ''
  const password = values['password-stdin'] ? readPassword(io) : new NodeRandom().token(12)
  const user = await users.add(
    { ...profile(values), sipUri: requireSipUri(name), displayName: values.name, homePool: pool },
    password,
  )
  const generated = values['password-stdin'] ? undefined : password
  // --json output must stay one JSON document, so a generated password goes inside it.
  if (values.json) return out.json(generated ? { ...user, generatedPassword: generated } : user)
  out.user(user)
  if (generated) io.out(`Generated password (shown once): ${generated}\n`)
  return EXIT.ok
}

async function set(users: UserService, name: string, values: Values, out: Output): Promise<number> {
  if (values.photo !== undefined && values['no-photo']) {
    throw new UsageError('--photo and --no-photo cannot be used together')
  }
  // Read the file before changing anything, so a bad photo leaves the user as it was.
  const photo = values.photo === undefined ? undefined : readPhoto(values.photo)
  let user = await users.update(name, profile(values))
  if (photo !== undefined || values['no-photo']) user = await users.setPhoto(name, photo ?? null)
  out.user(user)
  if (photo !== undefined) out.text(`Photo set (${photo.length} bytes).\n`)
  if (values['no-photo']) out.text('Photo removed.\n')
  return EXIT.ok
}

/** The photo file's bytes, checked (size before reading, then the type) before anything changes. */
function readPhoto(file: string): Uint8Array {
  let size: number
  try {
    const stat = statSync(file)
    if (!stat.isFile()) throw new UserValidationError(`--photo: ${file} is not a file`)
    size = stat.size
  } catch (error) {
    if (error instanceof UserValidationError) throw error
    throw new UserValidationError(
      `--photo: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
    )
  }
  if (size > MAX_PHOTO_BYTES) {
    throw new UserValidationError(
      `--photo: ${file} is ${size} bytes; at most ${MAX_PHOTO_BYTES} (${MAX_PHOTO_BYTES / 1024} KB) are allowed`,
    )
  }
  const bytes = new Uint8Array(readFileSync(file))
  if (!photoTypeOf(bytes)) throw new UserValidationError(`--photo: ${file} is not a JPEG or PNG image`)
  return bytes
}

async function setPassword(users: UserService, name: string, values: Values, io: Io): Promise<number> {
  const password = values['password-stdin'] ? readPassword(io) : new NodeRandom().token(12)
  const user = await users.setPassword(name, password)
  io.out(`Password changed for ${user.sipUri}; its existing tokens are revoked.\n`)
  if (!values['password-stdin']) io.out(`New password (shown once): ${password}\n`)
  return EXIT.ok
}

function readPassword(io: Io): string {
  const text = io.readStdin().replace(/\r?\n$/, '')
  if (!text) throw new UsageError('--password-stdin: nothing was read from standard input')
  return text
}

function profile(values: Values): UserPatch {
  const phones: Record<string, string> = {}
  for (const kind of ['work', 'mobile', 'home', 'other'] as const) {
    const v = values[`${kind}-phone`]
    if (v !== undefined) phones[kind] = toTel(v)
  }
  const patch: Record<string, unknown> = {}
  if (values.name !== undefined) patch.displayName = values.name
  if (values.email !== undefined) patch.email = values.email || null
  if (values.title !== undefined) patch.title = values.title || null
  if (values.department !== undefined) patch.department = values.department || null
  if (Object.keys(phones).length > 0) patch.phones = phones as PhoneNumbers
  if (values.pool !== undefined) patch.homePool = values.pool.toLowerCase()
  if (values['enterprise-voice']) patch.enterpriseVoice = true
  if (values['no-enterprise-voice']) patch.enterpriseVoice = false
  if (values['line-uri'] !== undefined) patch.lineUri = values['line-uri'] ? toTel(values['line-uri']) : null
  return patch as UserPatch
}

/** `+1 (425) 555-0100` → `tel:+14255550100`. */
function toTel(text: string): string {
  const bare = text.replace(/^tel:/i, '').replace(/[\s().-]/g, '')
  if (!/^\+?[0-9*#]+(;ext=[0-9]+)?$/.test(bare)) throw new UsageError(`"${text}" is not a phone number`)
  return `tel:${bare}`
}

/** What a user verb prints: a user, a list, or one JSON document with --json. */
class Output {
  readonly #io: Io
  readonly #json: boolean

  constructor(io: Io, json: boolean) {
    this.#io = io
    this.#json = json
  }

  json(data: unknown): number {
    this.#io.out(`${JSON.stringify(data, null, 2)}\n`)
    return EXIT.ok
  }

  /** A line for people; --json prints nothing but the document. */
  text(line: string): void {
    if (!this.#json) this.#io.out(line)
  }

  users(list: readonly User[]): number {
    if (this.#json) return this.json(list)
    for (const u of list) {
      this.#io.out(
        `${u.sipUri.padEnd(34)} ${u.enabled ? 'enabled ' : 'disabled'} ${u.homePool.padEnd(24)} ${u.displayName}\n`,
      )
    }
    if (list.length === 0) this.#io.out('No users.\n')
    return EXIT.ok
  }

  user(u: User, verb?: string): number {
    if (this.#json) return this.json(u)
    if (verb) {
      this.#io.out(`${verb} ${u.sipUri}\n`)
      return EXIT.ok
    }
    const rows: [string, string][] = [
      ['SIP URI', u.sipUri],
      ['Name', u.displayName],
      ['Email', u.email ?? ''],
      ['Title', u.title ?? ''],
      ['Department', u.department ?? ''],
      [
        'Phones',
        Object.entries(u.phones)
          .map(([k, v]) => `${k} ${v}`)
          .join(', '),
      ],
      ['Home pool', u.homePool],
      ['Enterprise Voice', u.enterpriseVoice ? 'yes' : 'no'],
      ['Line URI', u.lineUri ?? ''],
      ['Status', u.enabled ? 'enabled' : 'disabled'],
    ]
    for (const [k, v] of rows) this.#io.out(`${`${k}:`.padEnd(18)}${v}\n`)
    return EXIT.ok
  }
}
