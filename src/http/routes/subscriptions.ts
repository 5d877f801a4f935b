// presenceSubscriptions, memberships, subscribedContacts, contact presence/note/location/
// supportedMedia, privacy relationships (ucwa-protocol §5.3, §6). See docs/presence.md.
import type { FastifyInstance } from 'fastify'
import type { UcwaDeps } from './app-context.ts'

export function subscriptionRoutes(_app: FastifyInstance, _deps: UcwaDeps): void {}
