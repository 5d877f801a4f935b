// A user's call forwarding, simultaneous ring and unanswered-call settings (UCWA
// callForwardingSettings and its three children). Parley has no voice yet, so every user is in
// the state Lync showed for forwarding off; the voice work replaces `callForwardingOf` with the
// stored settings and adds the actions. See docs/me.md.
import type { User } from './user-types.ts'

/** CallForwardingState, plus None for "calls ring only the user". */
export type ForwardingState = 'None' | 'ImmediateForward' | 'SimultaneousRing'
export type ActivePeriod = 'Always' | 'Workhours'
export type UnansweredCallHandling = 'Enabled' | 'Disabled'
export type ImmediateForwardTarget = 'None' | 'Contact' | 'Delegates' | 'Voicemail'
export type SimultaneousRingTarget = 'None' | 'Contact' | 'Delegates' | 'Team'
export type UnansweredCallTarget = 'None' | 'Contact' | 'Voicemail'

export interface CallForwarding {
  readonly activeSetting: ForwardingState
  readonly activePeriod: ActivePeriod
  readonly unansweredCallHandling: UnansweredCallHandling
  readonly immediateForward: { readonly target: ImmediateForwardTarget }
  /** ringDelay in seconds. */
  readonly simultaneousRing: { readonly ringDelay: number; readonly target: SimultaneousRingTarget }
  readonly unansweredCall: { readonly ringDelay: number; readonly target: UnansweredCallTarget }
}

/** Forwarding off: calls ring the user only, nothing happens to unanswered calls. The ring
 * delays are the values the UCWA reference samples show (5 s, the lower bound). */
export const FORWARDING_OFF: CallForwarding = {
  activeSetting: 'None',
  activePeriod: 'Always',
  unansweredCallHandling: 'Disabled',
  immediateForward: { target: 'None' },
  simultaneousRing: { ringDelay: 5, target: 'None' },
  unansweredCall: { ringDelay: 5, target: 'None' },
}

/** `user`'s settings. */
export function callForwardingOf(_user: User): CallForwarding {
  return FORWARDING_OFF
}
