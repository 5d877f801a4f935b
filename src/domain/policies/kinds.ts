// The three admin objects and what each allows: scopes, which scopes New may create, whether
// per-user assignment (Grant) exists, and cross-parameter rules. docs/admin-reference.md §0–3.
import type { Scope } from './identity.ts'
import {
  MCX_PARAMETERS,
  MOBILITY_PARAMETERS,
  type ParameterSpec,
  PUSH_PARAMETERS,
  type SettingProblem,
  type Settings,
} from './parameters.ts'

export const POLICY_KINDS = ['mobility-policy', 'mcx-config', 'push-config'] as const
export type PolicyKind = (typeof POLICY_KINDS)[number]

export interface KindSpec {
  readonly kind: PolicyKind
  /** The cmdlet noun, for messages (`CsMobilityPolicy`). */
  readonly noun: string
  readonly parameters: readonly ParameterSpec[]
  /** Scopes objects of this kind may have (Global is always among them). */
  readonly scopes: readonly Scope[]
  /** Scopes New may create (never Global: it always exists). */
  readonly newScopes: readonly Scope[]
  /** Rules that involve several parameters of the complete settings. */
  readonly check: (settings: Settings) => SettingProblem[]
}

const noRules = (): SettingProblem[] => []

export const KINDS: Readonly<Record<PolicyKind, KindSpec>> = {
  'mobility-policy': {
    kind: 'mobility-policy',
    noun: 'CsMobilityPolicy',
    parameters: MOBILITY_PARAMETERS,
    scopes: ['global', 'site', 'tag'],
    newScopes: ['site', 'tag'],
    check: noRules,
  },
  'mcx-config': {
    kind: 'mcx-config',
    noun: 'CsMcxConfiguration',
    parameters: MCX_PARAMETERS,
    scopes: ['global', 'site', 'service'],
    newScopes: ['site', 'service'],
    check: (s) =>
      Number(s.SessionExpirationInterval) > Number(s.SessionShortExpirationInterval)
        ? []
        : [
            {
              parameter: 'SessionExpirationInterval',
              message: `must be greater than SessionShortExpirationInterval (${s.SessionExpirationInterval} ≤ ${s.SessionShortExpirationInterval})`,
            },
          ],
  },
  'push-config': {
    kind: 'push-config',
    noun: 'CsPushNotificationConfiguration',
    parameters: PUSH_PARAMETERS,
    scopes: ['global', 'site'],
    newScopes: ['site'],
    check: noRules,
  },
}

export function isPolicyKind(text: string): text is PolicyKind {
  return (POLICY_KINDS as readonly string[]).includes(text)
}
