import type { SipUri, UserId } from '../ids.ts'

/** The four phone numbers a UCWA `me`/`contact` resource can show, as `tel:` URIs. */
export interface PhoneNumbers {
  readonly work?: string
  readonly mobile?: string
  readonly home?: string
  readonly other?: string
}

export const PHONE_KINDS = ['work', 'mobile', 'home', 'other'] as const
export type PhoneKind = (typeof PHONE_KINDS)[number]

/** A directory user: what `parley user show` prints and `me` renders. */
export interface User {
  readonly id: UserId
  readonly sipUri: SipUri
  readonly displayName: string
  readonly email: string | null
  readonly title: string | null
  readonly department: string | null
  readonly phones: PhoneNumbers
  /** FQDN of the Front End pool the user is homed on. */
  readonly homePool: string
  readonly enterpriseVoice: boolean
  /** The user's own number when Enterprise Voice is on (`tel:+14255550100;ext=100`). */
  readonly lineUri: string | null
  readonly enabled: boolean
  /** Out-of-office note (Lync took it from Exchange); shown instead of the personal note. */
  readonly outOfOfficeNote: string | null
  readonly createdAt: number
  readonly updatedAt: number
}

export interface NewUser {
  readonly sipUri: SipUri
  readonly displayName: string
  readonly email?: string | null
  readonly title?: string | null
  readonly department?: string | null
  readonly phones?: PhoneNumbers
  readonly homePool: string
  readonly enterpriseVoice?: boolean
  readonly lineUri?: string | null
  readonly enabled?: boolean
  readonly outOfOfficeNote?: string | null
}

/** Fields `parley user set` and config provisioning may change. */
export type UserPatch = Partial<Omit<NewUser, 'sipUri'>>
