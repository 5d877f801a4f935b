// The user's four phone lines as UCWA `me/phones` shows them, and which of them contacts see.
// Every number comes from the directory record (`parley user set`, config provisioning), so none
// is editable from a client — as on Lync when the number came from Active Directory.
import { PHONE_KINDS, type PhoneKind, type User } from './user-types.ts'

export interface PhoneLine {
  readonly kind: PhoneKind
  /** A `tel:` URI, or "" when the directory has no number of this kind. */
  readonly number: string
  /** Whether contacts see this number on the user's contact card. */
  readonly includeInContactCard: boolean
}

/** The work number: the directory's, else the Enterprise Voice line. */
export const workNumberOf = (user: User): string | undefined => user.phones.work ?? user.lineUri ?? undefined

/**
 * All four lines, always in the order work, mobile, home, other (Lync listed every kind, empty
 * ones with number ""). Only the work number is on the contact card: the others wait for
 * privacy relationships to decide who may see them (docs/contacts.md).
 */
export function phoneLinesOf(user: User): PhoneLine[] {
  return PHONE_KINDS.map((kind) => {
    const number = (kind === 'work' ? workNumberOf(user) : user.phones[kind]) ?? ''
    return { kind, number, includeInContactCard: kind === 'work' && number !== '' }
  })
}

/** The line of `kind` (`work`, `mobile`, `home`, `other`, any casing); undefined for anything else. */
export function phoneLineOf(user: User, kind: string): PhoneLine | undefined {
  const wanted = kind.toLowerCase()
  return phoneLinesOf(user).find((line) => line.kind === wanted)
}
