// Stored shapes of the policy area: objects, per-user assignments, the audit log.
import type { UserId } from '../ids.ts'
import type { PolicyKind } from './kinds.ts'
import type { Settings } from './parameters.ts'

/** One stored policy or configuration object (complete settings). */
export interface StoredPolicy {
  readonly kind: PolicyKind
  /** Canonical identity text: `Global`, `Site:Redmond`, `Tag:NoVoip`, `Service:WebServer:…`. */
  readonly identity: string
  readonly settings: Settings
  readonly updatedAt: number
}

/** One entry of the append-only audit log: who changed what, when, and the before/after state. */
export interface AuditEntry {
  readonly seq: number
  readonly at: number
  /** `cli:<os user>` or the admin's SIP URI (REST API). */
  readonly actor: string
  /** `mobility-policy.set`, `mobility-policy.grant`, `admin.add`, … */
  readonly action: string
  /** The identity or user the change was made to. */
  readonly target: string
  readonly before: unknown
  readonly after: unknown
}

export type NewAuditEntry = Omit<AuditEntry, 'seq'>

/** What a client reports it is connected through (Parley's network-type extension). */
export const NETWORK_TYPES = ['WiFi', 'Wired', 'Cellular', 'Unknown'] as const
export type NetworkType = (typeof NETWORK_TYPES)[number]

/** Per-user assignment of a per-user policy (Grant), by the tag's name. */
export interface PolicyAssignment {
  readonly userId: UserId
  readonly kind: PolicyKind
  readonly name: string
}
