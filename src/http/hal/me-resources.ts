// The user's phone lines and call forwarding settings as UCWA resources: phones / phone
// (phones_ref.md, phone_ref.md and the real `me/phones` answer in batch_ref.md) and
// callForwardingSettings with immediateForwardSettings, simultaneousRingSettings and
// unansweredCallSettings (callForwardingSettings_ref.md and its children). See docs/me.md.
import type { CallForwarding } from '../../domain/users/call-forwarding.ts'
import type { PhoneLine } from '../../domain/users/phones.ts'
import { etagOf } from './etag.ts'
import type { HalResource } from './resources.ts'
import type { AppPaths } from './ucwa-paths.ts'

/**
 * One line: `{number, type, includeInContactCard, etag}`. Numbers from the directory carry no
 * changeNumber / changeVisibility links — Lync offered them only for numbers the user had
 * entered, not for those from Active Directory (the work line in the batch_ref.md trace).
 */
export function renderPhone(line: PhoneLine, paths: AppPaths): HalResource {
  const properties = { number: line.number, type: line.kind, includeInContactCard: line.includeInContactCard }
  return {
    ...properties,
    etag: etagOf(properties),
    rel: 'phone',
    _links: { self: { href: paths.phone(line.kind) } },
  }
}

/** `phones`: every line embedded, empty ones included. */
export function renderPhones(lines: readonly PhoneLine[], paths: AppPaths): HalResource {
  return {
    rel: 'phones',
    _links: { self: { href: paths.phones } },
    _embedded: { phone: lines.map((line) => renderPhone(line, paths)) },
  }
}

/** The three children of callForwardingSettings, by rel. */
export const FORWARDING_CHILDREN = [
  'immediateForwardSettings',
  'simultaneousRingSettings',
  'unansweredCallSettings',
] as const
export type ForwardingChild = (typeof FORWARDING_CHILDREN)[number]

/**
 * One child resource. Its action links (immediateForwardToContact, simultaneousRingToTeam,
 * unansweredCallToVoicemail, resetUnansweredCallSettings, …) come with voice, when the settings
 * can be changed; the `contact` link only when a contact is the target.
 */
export function renderForwardingChild(
  child: ForwardingChild,
  settings: CallForwarding,
  paths: AppPaths,
): HalResource {
  const properties =
    child === 'immediateForwardSettings'
      ? { target: settings.immediateForward.target }
      : child === 'simultaneousRingSettings'
        ? { ringDelay: settings.simultaneousRing.ringDelay, target: settings.simultaneousRing.target }
        : { ringDelay: settings.unansweredCall.ringDelay, target: settings.unansweredCall.target }
  return { ...properties, rel: child, _links: { self: { href: paths.forwarding(child) } } }
}

/**
 * `callForwardingSettings` with its three children embedded, as the reference shows it (clients
 * read them from `_embedded`: kenakamu/UCWA2.0-CS Models/CallForwardingSettings.cs) and linked
 * (the reference lists them as links too). No turnOffCallForwarding while nothing can be changed.
 */
export function renderCallForwardingSettings(settings: CallForwarding, paths: AppPaths): HalResource {
  const children = Object.fromEntries(
    FORWARDING_CHILDREN.map((child) => [child, renderForwardingChild(child, settings, paths)]),
  )
  return {
    activePeriod: settings.activePeriod,
    activeSetting: settings.activeSetting,
    unansweredCallHandling: settings.unansweredCallHandling,
    rel: 'callForwardingSettings',
    _links: {
      self: { href: paths.callForwardingSettings },
      ...Object.fromEntries(FORWARDING_CHILDREN.map((child) => [child, { href: paths.forwarding(child) }])),
    },
    _embedded: children,
  }
}
