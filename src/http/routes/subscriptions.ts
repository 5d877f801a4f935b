// presenceSubscriptions, memberships, subscribedContacts, contact presence/note/location/
// supportedMedia, privacy relationships (docs/protocol.md §5.3, §6). See docs/presence.md.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import Type from 'typebox'
import { UcwaError } from '../../domain/errors.ts'
import { PRIVACY_LEVELS, type PrivacyLevel } from '../../domain/presence/presence-rules.ts'
import { requireSession } from '../context.ts'
import { renderMinimalContact } from '../hal/contact-links.ts'
import { etagOf, ifMatchList } from '../hal/etag.ts'
import {
  renderContactLocation,
  renderContactNote,
  renderContactPresence,
  renderContactPrivacyRelationship,
  renderContactSupportedModalities,
  renderMembership,
  renderMemberships,
  renderMyPrivacyRelationship,
  renderMyPrivacyRelationships,
  renderPresenceSubscription,
  renderPresenceSubscriptions,
} from '../hal/presence-resources.ts'
import { hrefOf } from '../hal/refs.ts'
import { readInput } from '../input.ts'
import { LIMITS } from '../limits.ts'
import { sendResource } from '../reply.ts'
import { pathsOf, requireApp, type UcwaDeps } from './app-context.ts'

// `duration` arrives as a JSON number, or as text from the XML <input> form and the query string.
const Duration = Type.Union([Type.Number(), Type.String({ pattern: '^\\s*\\d{1,6}\\s*$' })])
const Uris = Type.Array(Type.String({ maxLength: LIMITS.sipUri }))

const SubscriptionInput = Type.Object({ duration: Type.Optional(Duration), uris: Type.Optional(Uris) })
const ExtendInput = Type.Object({ duration: Type.Optional(Duration) })
const MembershipInput = Type.Object({ contactUris: Type.Optional(Uris), uris: Type.Optional(Uris) })
const PrivacyInput = Type.Object({ relationshipLevel: Type.String({ maxLength: LIMITS.enumText }) })

const minutesOf = (duration: number | string | undefined): number | undefined =>
  duration === undefined ? undefined : Number(duration)

/** Query parameters, case-insensitively by name, merged under the body (the body wins). */
function inputOf(req: FastifyRequest): Record<string, unknown> {
  const body = req.body
  if (body !== undefined && body !== null && (typeof body !== 'object' || Array.isArray(body)))
    return body as never
  return { ...(req.query as Record<string, unknown>), ...((body as Record<string, unknown>) ?? {}) }
}

function queryParam(req: FastifyRequest, name: string): string | undefined {
  const query = req.query as Record<string, unknown>
  const key = Object.keys(query).find((k) => k.toLowerCase() === name.toLowerCase())
  const value = key === undefined ? undefined : query[key]
  const text = Array.isArray(value) ? value.at(-1) : value
  return typeof text === 'string' && text !== '' ? text : undefined
}

/** A privacy level as clients send it, any casing; 400 for anything else (`Unknown` included). */
function levelOf(text: string): PrivacyLevel {
  const level = PRIVACY_LEVELS.find((l) => l.toLowerCase() === text.trim().toLowerCase())
  if (!level) {
    throw new UcwaError('ParameterValidationFailure', {
      message: `relationshipLevel must be one of ${PRIVACY_LEVELS.join(', ')}.`,
      parameters: [{ name: 'relationshipLevel', reason: `must be one of ${PRIVACY_LEVELS.join(', ')}` }],
    })
  }
  return level
}

/** `<subscription id>,<address>` (the href Parley hands out) or `<address>?presenceSubscriptionId=…`. */
function membershipOf(req: FastifyRequest): { id: string; uri: string } {
  const { membership } = req.params as { membership: string }
  const comma = membership.indexOf(',')
  const id = comma >= 0 ? membership.slice(0, comma) : queryParam(req, 'presenceSubscriptionId')
  const uri = comma >= 0 ? membership.slice(comma + 1) : membership
  if (!id || !uri) throw new UcwaError('ResourceNotFound')
  return { id, uri }
}

export function subscriptionRoutes(app: FastifyInstance, deps: UcwaDeps): void {
  const { subscriptions } = deps
  const contactOf = (req: FastifyRequest) => (req.params as { contact: string }).contact
  const idOf = (req: FastifyRequest) => (req.params as { id: string }).id

  // ---- presence subscriptions -----------------------------------------------------------------

  app.post('/people/presenceSubscriptions', async (req, reply) => {
    const input = readInput(SubscriptionInput, req.body ?? {})
    const { subscription } = await subscriptions.create(requireSession(req), requireApp(req), {
      minutes: minutesOf(input.duration),
      uris: input.uris ?? [],
      field: 'uris',
    })
    const resource = renderPresenceSubscription(subscription.id, pathsOf(req))
    reply.header('location', (resource._links.self as { href: string }).href)
    return sendResource(req, reply, resource, { status: 201 })
  })

  app.get('/people/presenceSubscriptions', async (req, reply) => {
    const list = await subscriptions.list(requireSession(req), requireApp(req))
    return sendResource(
      req,
      reply,
      renderPresenceSubscriptions(
        list.map((s) => s.id),
        pathsOf(req),
      ),
    )
  })

  app.get('/people/presenceSubscriptions/:id', async (req, reply) => {
    const { subscription } = await subscriptions.get(requireSession(req), requireApp(req), idOf(req))
    return sendResource(req, reply, renderPresenceSubscription(subscription.id, pathsOf(req)))
  })

  // Extend: `?duration=N` (the body is accepted too). 200 with the resource, as the Lync trace.
  app.post('/people/presenceSubscriptions/:id', async (req, reply) => {
    const input = readInput(ExtendInput, inputOf(req))
    const { subscription } = await subscriptions.extend(
      requireSession(req),
      requireApp(req),
      idOf(req),
      minutesOf(input.duration),
    )
    return sendResource(req, reply, renderPresenceSubscription(subscription.id, pathsOf(req)))
  })

  app.delete('/people/presenceSubscriptions/:id', async (req, reply) => {
    await subscriptions.remove(requireSession(req), requireApp(req), idOf(req))
    return reply.code(204).send()
  })

  // ---- memberships ----------------------------------------------------------------------------

  app.get('/people/presenceSubscriptionMemberships', async (req, reply) => {
    const id = queryParam(req, 'presenceSubscriptionId')
    const memberships = await subscriptions.memberships(requireSession(req), requireApp(req), id)
    return sendResource(req, reply, renderMemberships(memberships, id, pathsOf(req)))
  })

  // addToPresenceSubscription: `{"contactUris": […]}` (`uris` accepted too).
  app.post('/people/presenceSubscriptionMemberships', async (req, reply) => {
    const id = queryParam(req, 'presenceSubscriptionId')
    if (!id) {
      throw new UcwaError('ParameterValidationFailure', {
        message: 'presenceSubscriptionId is required: follow the addToPresenceSubscription link.',
        parameters: [{ name: 'presenceSubscriptionId', reason: 'is required' }],
      })
    }
    const input = readInput(MembershipInput, req.body ?? {})
    const field = input.contactUris ? 'contactUris' : 'uris'
    const uris = input.contactUris ?? input.uris
    if (!uris) {
      throw new UcwaError('ParameterValidationFailure', {
        message: 'contactUris is required.',
        parameters: [{ name: 'contactUris', reason: 'is required' }],
      })
    }
    const session = requireSession(req)
    const application = requireApp(req)
    const { subscription, members } = await subscriptions.addMembers(session, application, id, {
      uris,
      field,
    })
    const memberships = members.map((uri) => ({ subscriptionId: subscription.id, uri }))
    return sendResource(req, reply, renderMemberships(memberships, subscription.id, pathsOf(req)), {
      status: 201,
    })
  })

  app.get('/people/presenceSubscriptionMemberships/:membership', async (req, reply) => {
    const { id, uri } = membershipOf(req)
    const contact = await subscriptions.contact(uri).catch(() => undefined)
    const memberships = await subscriptions.memberships(requireSession(req), requireApp(req), id)
    const found = memberships.find((m) => m.uri === contact?.sipUri)
    if (!found) throw new UcwaError('ResourceNotFound')
    return sendResource(req, reply, renderMembership(found, pathsOf(req)))
  })

  app.delete('/people/presenceSubscriptionMemberships/:membership', async (req, reply) => {
    const { id, uri } = membershipOf(req)
    await subscriptions.removeMember(requireSession(req), requireApp(req), id, uri)
    return reply.code(204).send()
  })

  app.get('/people/subscribedContacts', async (req, reply) => {
    const paths = pathsOf(req)
    const contacts = await subscriptions.subscribedContacts(requireSession(req), requireApp(req))
    const rendered = contacts.map((c) => renderMinimalContact(c, paths))
    // Lync's sample lists the contacts as links; the embedded resources save clients a GET each.
    return sendResource(req, reply, {
      rel: 'subscribedContacts',
      _links: {
        self: { href: hrefOf({ rel: 'subscribedContacts' }, paths) },
        contact: rendered.map((c) => ({ href: (c._links.self as { href: string }).href })),
      },
      _embedded: { contact: rendered },
    })
  })

  // ---- contact presence, note, location, supported media --------------------------------------

  app.get('/people/:contact/presence', async (req, reply) => {
    const { contact, view } = await subscriptions.contactPresence(requireSession(req), contactOf(req))
    return sendResource(req, reply, renderContactPresence(contact.sipUri, view, pathsOf(req)))
  })

  app.get('/people/:contact/note', async (req, reply) => {
    const { contact, view } = await subscriptions.contactPresence(requireSession(req), contactOf(req))
    return sendResource(req, reply, renderContactNote(contact.sipUri, view, pathsOf(req)))
  })

  app.get('/people/:contact/location', async (req, reply) => {
    const { contact, view } = await subscriptions.contactPresence(requireSession(req), contactOf(req))
    return sendResource(req, reply, renderContactLocation(contact.sipUri, view, pathsOf(req)))
  })

  app.get('/people/:contact/supportedMedia', async (req, reply) => {
    const { contact, modalities } = await subscriptions.contactModalities(requireSession(req), contactOf(req))
    return sendResource(
      req,
      reply,
      renderContactSupportedModalities(contact.sipUri, modalities, pathsOf(req)),
    )
  })

  // ---- privacy relationships ------------------------------------------------------------------

  // Every level, each with the contacts the user put there explicitly.
  const levelsOf = async (req: FastifyRequest): Promise<Map<PrivacyLevel, string[]>> => {
    const byLevel = new Map<PrivacyLevel, string[]>(PRIVACY_LEVELS.map((l) => [l, []]))
    for (const r of await subscriptions.privacyRelationships(requireSession(req))) {
      byLevel.get(r.level)?.push(r.contactUri)
    }
    return byLevel
  }

  app.get('/people/privacyRelationships', async (req, reply) => {
    const byLevel = await levelsOf(req)
    return sendResource(req, reply, renderMyPrivacyRelationships(byLevel, pathsOf(req)))
  })

  app.get('/people/privacyRelationships/:level', async (req, reply) => {
    const { level: text } = req.params as { level: string }
    const level = PRIVACY_LEVELS.find((l) => l.toLowerCase() === text.toLowerCase())
    if (!level) throw new UcwaError('ResourceNotFound')
    const byLevel = await levelsOf(req)
    return sendResource(
      req,
      reply,
      renderMyPrivacyRelationship(level, byLevel.get(level) ?? [], pathsOf(req)),
    )
  })

  app.get('/people/:contact/privacyRelationship', async (req, reply) => {
    const { contact, level } = await subscriptions.privacyOf(requireSession(req), contactOf(req))
    return sendResource(req, reply, renderContactPrivacyRelationship(contact.sipUri, level, pathsOf(req)), {
      etag: etagOf({ relationshipLevel: level }),
    })
  })

  // contactPrivacyRelationship2: PUT `{"relationshipLevel": "…"}` (If-Match honoured when sent);
  // POST with the same body is accepted too.
  const setPrivacy = async (req: FastifyRequest, reply: FastifyReply) => {
    const session = requireSession(req)
    const input = readInput(PrivacyInput, req.body ?? {})
    const level = levelOf(input.relationshipLevel)
    const ifMatch = ifMatchList(req.headers['if-match'])
    if (ifMatch.length > 0 && !ifMatch.includes('*')) {
      const current = await subscriptions.privacyOf(session, contactOf(req))
      if (!ifMatch.includes(etagOf({ relationshipLevel: current.level }))) {
        throw new UcwaError('PreconditionFailed')
      }
    }
    const after = await subscriptions.setPrivacy(session, contactOf(req), level)
    return reply
      .code(204)
      .header('etag', `"${etagOf({ relationshipLevel: after })}"`)
      .send()
  }
  app.put('/people/:contact/privacyRelationship', setPrivacy)
  app.post('/people/:contact/privacyRelationship', setPrivacy)

  app.post('/people/:contact/privacyRelationship/resetContactPrivacyRelationship', async (req, reply) => {
    await subscriptions.setPrivacy(requireSession(req), contactOf(req), null)
    return reply.code(204).send()
  })
}
