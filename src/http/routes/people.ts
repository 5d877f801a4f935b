// myContacts, myGroups, group memberships, search, contact resources and photos (ucwa-protocol §6).
// See docs/contacts.md.
import type { FastifyInstance } from 'fastify'
import type { UcwaDeps } from './app-context.ts'

export function peopleRoutes(_app: FastifyInstance, _deps: UcwaDeps): void {}
