/** Branded ids: a UserId cannot be passed where an ApplicationId is expected. */
export type UserId = string & { readonly __brand: 'UserId' }
export type ApplicationId = string & { readonly __brand: 'ApplicationId' }
/** A SIP URI in canonical form: `sip:` prefix, lower case (`sip:alice@example.test`). */
export type SipUri = string & { readonly __brand: 'SipUri' }

export const asUserId = (id: string): UserId => id as UserId
export const asApplicationId = (id: string): ApplicationId => id as ApplicationId
