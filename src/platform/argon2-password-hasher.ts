// Password hashing with argon2id from node:crypto, stored in the PHC string format
// ($argon2id$v=19$m=…,t=…,p=…$salt$hash) so parameters can be raised later without breaking
// existing hashes: needsRehash() flags old ones and sign-in upgrades them.
import { argon2, randomBytes, timingSafeEqual } from 'node:crypto'
import type { PasswordHasher } from '../domain/ports.ts'

export interface Argon2Parameters {
  /** Memory in KiB. */
  readonly memory: number
  /** Iterations. */
  readonly passes: number
  readonly parallelism: number
}

/** OWASP Password Storage Cheat Sheet, first argon2id option: 19 MiB, 2 iterations, 1 lane. */
export const OWASP_ARGON2ID: Argon2Parameters = { memory: 19_456, passes: 2, parallelism: 1 }

const TAG_LENGTH = 32
const MAX_MEMORY_KIB = 1_048_576
const MAX_PASSES = 64
const MAX_PARALLELISM = 64
const SALT_LENGTH = 16
const PHC = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/

export class Argon2PasswordHasher implements PasswordHasher {
  readonly #params: Argon2Parameters

  constructor(params: Argon2Parameters = OWASP_ARGON2ID) {
    this.#params = params
  }

  async hash(password: string): Promise<string> {
    const salt = randomBytes(SALT_LENGTH)
    const tag = await derive(password, salt, this.#params, TAG_LENGTH)
    const { memory, passes, parallelism } = this.#params
    return `$argon2id$v=19$m=${memory},t=${passes},p=${parallelism}$${b64(salt)}$${b64(tag)}`
  }

  async verify(password: string, encoded: string): Promise<boolean> {
    const parsed = parse(encoded)
    if (!parsed) return false
    let tag: Buffer
    try {
      tag = await derive(password, parsed.salt, parsed.params, parsed.tag.length)
    } catch {
      // Well-formed but unusable (m=0, a 3-byte salt…): argon2 refuses it. Malformed, so no match.
      return false
    }
    return timingSafeEqual(tag, parsed.tag)
  }

  needsRehash(encoded: string): boolean {
    const parsed = parse(encoded)
    if (!parsed) return true
    const p = parsed.params
    return p.memory < this.#params.memory || p.passes < this.#params.passes
  }
}

function derive(
  password: string,
  salt: Buffer,
  params: Argon2Parameters,
  tagLength: number,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    argon2('argon2id', { message: password, nonce: salt, tagLength, ...params }, (err, key) =>
      err ? reject(err) : resolve(key),
    )
  })
}

function parse(encoded: string): { params: Argon2Parameters; salt: Buffer; tag: Buffer } | undefined {
  const m = PHC.exec(encoded)
  if (!m) return undefined
  const [, memory, passes, parallelism, salt, tag] = m
  const params = { memory: Number(memory), passes: Number(passes), parallelism: Number(parallelism) }
  // A hash is data from the store: refuse costs no sane configuration uses rather than let one
  // row make a sign-in allocate gigabytes or spin for minutes.
  if (params.memory > MAX_MEMORY_KIB || params.passes > MAX_PASSES || params.parallelism > MAX_PARALLELISM) {
    return undefined
  }
  return {
    params,
    salt: Buffer.from(salt ?? '', 'base64'),
    tag: Buffer.from(tag ?? '', 'base64'),
  }
}

// PHC strings use unpadded standard base64.
const b64 = (b: Buffer): string => b.toString('base64').replace(/=+$/, '')
