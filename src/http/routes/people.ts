// myContacts, myGroups, group memberships, search and contact resources (docs/protocol.md §6), with
// the doc-sample aliases `A/contacts` and `A/groups` (§13); photos are in photos.ts.
// See docs/contacts.md.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import Type from 'typebox'
import { MAX_SEARCH_LIMIT } from '../../domain/contacts/contact-service.ts'
import { UcwaError } from '../../domain/errors.ts'
import { requireSession } from '../context.ts'
import {
  groupHref,
  groupProperties,
  groupPutGuid,
  renderContact,
  renderContactCollection,
  renderGroup,
  renderGroupMembership,
  renderGroupMemberships,
  renderMyGroups,
  renderSearch,
} from '../hal/contact.ts'
import { etagOf, ifMatchList, PUT_GUID_VALUE } from '../hal/etag.ts'
import { hrefOf } from '../hal/refs.ts'
import { queryParam, readInput } from '../input.ts'
import { LIMITS } from '../limits.ts'
import { sendResource } from '../reply.ts'
import { pathsOf, type UcwaDeps } from './app-context.ts'
import { photoRoutes } from './photos.ts'

const GroupName = Type.String({ maxLength: LIMITS.groupName })
const CreateGroupInput = Type.Object({
  displayName: Type.Optional(GroupName),
  name: Type.Optional(GroupName),
})
const MembershipInput = Type.Object({
  contactUri: Type.String({ minLength: 1, maxLength: LIMITS.sipUri }),
  groupId: Type.Optional(Type.String({ maxLength: LIMITS.groupId })),
})
const ContactUriInput = Type.Object({
  contactUri: Type.String({ minLength: 1, maxLength: LIMITS.sipUri }),
})
const AddToContactListInput = Type.Object({
  displayName: Type.String({ minLength: 1, maxLength: LIMITS.displayName }),
  smtpAddress: Type.String({ minLength: 1, maxLength: LIMITS.smtpAddress }),
})
const RemoveFromContactListInput = Type.Object({
  groupId: Type.String({ minLength: 1, maxLength: LIMITS.groupId }),
})

/** Query parameters merged under the body (the body wins); names are matched by readInput. */
function inputOf(req: FastifyRequest): Record<string, unknown> {
  const body = req.body
  if (body !== undefined && body !== null && (typeof body !== 'object' || Array.isArray(body)))
    return body as never
  return { ...(req.query as Record<string, unknown>), ...((body as Record<string, unknown>) ?? {}) }
}

/** `?expand=false` asks collections for links instead of embedded resources. */
const expandOf = (req: FastifyRequest): boolean => queryParam(req, 'expand')?.trim().toLowerCase() !== 'false'

const paramOf = (req: FastifyRequest, name: string): string =>
  (req.params as Record<string, string>)[name] ?? ''

export function peopleRoutes(app: FastifyInstance, deps: UcwaDeps): void {
  const { contacts } = deps

  // ---- myContacts and groupContacts ----------------------------------------------------------

  const myContacts = async (req: FastifyRequest, reply: FastifyReply) => {
    const session = requireSession(req)
    const paths = pathsOf(req)
    const groupId = queryParam(req, 'groupId') || undefined
    const self = hrefOf({ rel: 'myContacts' }, paths)
    if (groupId !== undefined) {
      const entries = await contacts.groupContacts(session, groupId)
      const href = `${self}?groupId=${encodeURIComponent(groupId)}`
      return sendResource(
        req,
        reply,
        renderContactCollection('groupContacts', href, entries, paths, expandOf(req)),
      )
    }
    const entries = await contacts.contacts(session)
    return sendResource(
      req,
      reply,
      renderContactCollection('myContacts', self, entries, paths, expandOf(req)),
    )
  }
  app.get('/people/contacts', myContacts)
  app.get('/contacts', myContacts)

  app.get('/people/groups/:groupId/contacts', async (req, reply) => {
    const paths = pathsOf(req)
    const groupId = paramOf(req, 'groupId')
    const entries = await contacts.groupContacts(requireSession(req), groupId)
    const self = hrefOf({ rel: 'groupContacts', ids: [groupId] }, paths)
    return sendResource(
      req,
      reply,
      renderContactCollection('groupContacts', self, entries, paths, expandOf(req)),
    )
  })

  // ---- myGroups and groups ---------------------------------------------------------------------

  const myGroups = async (req: FastifyRequest, reply: FastifyReply) => {
    const list = await contacts.groups(requireSession(req))
    return sendResource(req, reply, renderMyGroups(list, pathsOf(req), expandOf(req)))
  }
  app.get('/people/groups', myGroups)
  app.get('/groups', myGroups)

  // myGroups2 POST: `{"displayName": "…"}` → 204 (as documented), Location naming the new group.
  const createGroup = async (req: FastifyRequest, reply: FastifyReply) => {
    const input = readInput(CreateGroupInput, inputOf(req))
    const group = await contacts.createGroup(requireSession(req), input.displayName ?? input.name ?? '')
    return reply
      .code(204)
      .header('location', groupHref(group, pathsOf(req)))
      .send()
  }
  app.post('/people/groups', createGroup)
  app.post('/groups', createGroup)

  app.get('/people/groups/:groupId', async (req, reply) => {
    const group = await contacts.group(requireSession(req), paramOf(req, 'groupId'))
    return sendResource(req, reply, renderGroup(group, pathsOf(req)))
  })

  // group2 PUT: the PUT rules of docs/protocol.md §3.4 (If-Match 428/412, the GUID property 400).
  app.put('/people/groups/:groupId', async (req, reply) => {
    const session = requireSession(req)
    const paths = pathsOf(req)
    const group = await contacts.group(session, paramOf(req, 'groupId'))
    if (group.kind !== 'user') {
      throw new UcwaError('Forbidden', {
        message: `"${group.name}" is a system group; it cannot be renamed.`,
      })
    }
    const etag = etagOf(groupProperties(group))
    const ifMatch = ifMatchList(req.headers['if-match'])
    if (ifMatch.length === 0) throw new UcwaError('PreconditionRequired')
    if (!ifMatch.includes(etag) && !ifMatch.includes('*')) throw new UcwaError('PreconditionFailed')
    const guid = groupPutGuid(group, paths)
    const body = (req.body ?? {}) as Record<string, unknown>
    if (typeof body !== 'object' || body[guid] !== PUT_GUID_VALUE) {
      throw new UcwaError('ParameterValidationFailure', {
        message: `Send the whole resource back, including the "${guid}" property.`,
        parameters: [{ name: guid, reason: 'is required' }],
      })
    }
    const input = readInput(CreateGroupInput, body)
    const name = input.name ?? input.displayName
    if (name === undefined) {
      throw new UcwaError('ParameterValidationFailure', {
        message: 'Invalid or missing: name.',
        parameters: [{ name: 'name', reason: 'is required' }],
      })
    }
    const renamed = await contacts.renameGroup(session, group.id, name)
    return reply
      .code(204)
      .header('etag', `"${etagOf(groupProperties(renamed))}"`)
      .send()
  })

  app.delete('/people/groups/:groupId', async (req, reply) => {
    await contacts.deleteGroup(requireSession(req), paramOf(req, 'groupId'))
    return reply.code(204).send()
  })

  // Distribution groups (addToContactList / removeFromContactList) need a directory of them,
  // which Parley does not have: the input is checked, then the group is not found.
  app.post('/people/groups/addToContactList', async (req) => {
    const { smtpAddress } = readInput(AddToContactListInput, inputOf(req))
    throw new UcwaError('ResourceNotFound', {
      message: `There is no distribution group ${smtpAddress}: this server has no distribution groups.`,
    })
  })
  app.post('/people/groups/removeFromContactList', async (req) => {
    readInput(RemoveFromContactListInput, inputOf(req))
    throw new UcwaError('ResourceNotFound', {
      message:
        'There is no such distribution group on the contact list: this server has no distribution groups.',
    })
  })

  // ---- myGroupMemberships (revision 2) ---------------------------------------------------------

  app.get('/people/groupMemberships', async (req, reply) => {
    const groupId = queryParam(req, 'groupId') || undefined
    const views = await contacts.memberships(requireSession(req), groupId)
    return sendResource(req, reply, renderGroupMemberships(views, pathsOf(req), groupId))
  })

  app.post('/people/groupMemberships', async (req, reply) => {
    const input = readInput(MembershipInput, inputOf(req))
    const view = await contacts.addMembership(
      requireSession(req),
      input.contactUri,
      input.groupId || undefined,
    )
    return sendResource(req, reply, renderGroupMembership(view, pathsOf(req)), { status: 201 })
  })

  app.post('/people/groupMemberships/removeContactFromAllGroups', async (req, reply) => {
    const { contactUri } = readInput(ContactUriInput, inputOf(req))
    await contacts.removeContact(requireSession(req), contactUri)
    return reply.code(204).send()
  })

  app.get('/people/groupMemberships/:membership', async (req, reply) => {
    const view = await contacts.membership(requireSession(req), paramOf(req, 'membership'))
    return sendResource(req, reply, renderGroupMembership(view, pathsOf(req)))
  })

  app.delete('/people/groupMemberships/:membership', async (req, reply) => {
    await contacts.removeMembership(requireSession(req), paramOf(req, 'membership'))
    return reply.code(204).send()
  })

  // ---- search and contacts ---------------------------------------------------------------------

  app.get('/people/search', async (req, reply) => {
    const query = queryParam(req, 'query') ?? ''
    const limitText = queryParam(req, 'limit')?.trim()
    const limit =
      limitText === undefined || limitText === ''
        ? MAX_SEARCH_LIMIT
        : /^\d{1,4}$/.test(limitText)
          ? Number(limitText)
          : 0
    const result = await contacts.search(requireSession(req), query, limit)
    const paths = pathsOf(req)
    const search = `${hrefOf({ rel: 'people' }, paths)}/search`
    const self = `${search}?query=${encodeURIComponent(query.trim())}${limitText ? `&limit=${limit}` : ''}`
    return sendResource(req, reply, renderSearch(result.users, result.moreResultsAvailable, self, paths))
  })

  // `…/people/<sip>`: the bare address (as hrefs carry it) or with `sip:`, any case.
  app.get('/people/:contact', async (req, reply) => {
    const user = await contacts.contact(requireSession(req), paramOf(req, 'contact'))
    return sendResource(req, reply, renderContact(user, pathsOf(req)))
  })

  photoRoutes(app, deps)
}
