// Conversations, invitations, participants and the modalities Parley does not carry as UCWA
// JSON, in the shapes the SendAnIM / ReceiveAnIM traces show (docs/protocol.md §7); messaging
// and messages are hal/messaging.ts. Used by the routes and, through EMBEDDED_RENDERERS, for
// resources embedded in events.
import {
  type ConversationData,
  type InvitationData,
  inConversation,
  type ParticipantData,
} from '../../domain/conversations/conversation-events.ts'
import { toDataUri } from '../../domain/messaging/data-uri.ts'
import { bare, hrefOf } from './refs.ts'
import type { HalLink, HalResource } from './resources.ts'
import type { AppPaths } from './ucwa-paths.ts'

const href = (rel: string, ids: string[], paths: AppPaths): string => hrefOf({ rel, ids }, paths)
const link = (h: string, title?: string): HalLink => (title === undefined ? { href: h } : { href: h, title })

/**
 * A participant. `inConversation: false` is one embedded in an invitation whose reader has no
 * view of the conversation any more: its own href and the conversation answer 404 there, so only
 * the links to the person (contact, presence, photo) remain.
 */
export function renderParticipant(
  cid: string,
  p: ParticipantData,
  paths: AppPaths,
  inConversation = true,
): HalResource {
  const self = href('participant', [cid, p.uri], paths)
  const address = bare(p.uri)
  return {
    sourceNetwork: 'SameEnterprise',
    anonymous: false,
    name: p.name,
    uri: p.uri,
    rel: 'participant',
    _links: {
      ...(inConversation ? { self: link(self), conversation: link(href('conversation', [cid], paths)) } : {}),
      ...(p.local
        ? { me: link(`${paths.app}/me`) }
        : {
            contact: link(`${paths.app}/people/${address}`),
            contactPresence: link(`${paths.app}/people/${address}/presence`),
            contactPhoto: link(`${paths.app}/photos/${address}`),
          }),
      // Only while its participantMessaging exists (the route answers 404 otherwise).
      ...(p.messaging && inConversation ? { messaging: link(`${self}/messaging`) } : {}),
    },
  }
}

/**
 * The modalities a conversation links but Parley does not carry. Real pools linked all of them
 * from every conversation (ReceiveAnIM.md, SendAnIM.md) and clients fetch them from there
 * (kenakamu/UCWA2.0-CS Models/Conversation.cs: GetAudioVideo, GetPhoneAudio, …).
 */
export const UNSUPPORTED_MODALITIES = [
  'applicationSharing',
  'audioVideo',
  'dataCollaboration',
  'phoneAudio',
] as const
export type UnsupportedModality = (typeof UNSUPPORTED_MODALITIES)[number]

/** One of those modalities: always Disconnected, with no action links (audioVideo_ref, phoneAudio_ref, …). */
export function renderDisconnectedModality(
  rel: UnsupportedModality,
  cid: string,
  paths: AppPaths,
): HalResource {
  const conversation = href('conversation', [cid], paths)
  return {
    state: 'Disconnected',
    rel,
    _links: { self: link(`${conversation}/${rel}`), conversation: link(conversation) },
  }
}

export function renderConversation(data: ConversationData, paths: AppPaths): HalResource {
  const self = href('conversation', [data.id], paths)
  const connected = inConversation(data.state)
  return {
    state: data.state,
    threadId: data.threadId,
    subject: data.subject,
    activeModalities: data.activeModalities,
    importance: data.importance,
    recording: false,
    participantCount: data.participantCount,
    rel: 'conversation',
    _links: {
      self: link(self),
      applicationSharing: link(`${self}/applicationSharing`),
      audioVideo: link(`${self}/audioVideo`),
      dataCollaboration: link(`${self}/dataCollaboration`),
      messaging: link(`${self}/messaging`),
      phoneAudio: link(`${self}/phoneAudio`),
      participants: link(`${self}/participants`),
      ...(connected && data.local
        ? { localParticipant: link(href('participant', [data.id, data.local.uri], paths), data.local.name) }
        : {}),
      ...(connected
        ? {
            addParticipant: link(`${paths.app}/communication/participantInvitations?conversation=${data.id}`),
          }
        : {}),
    },
  }
}

/** What an invitation links of its conversation (while its reader can read that conversation). */
function conversationLinks(data: InvitationData, paths: AppPaths): Record<string, HalLink> {
  const cid = data.conversationId
  const participant = (p: ParticipantData) => link(href('participant', [cid, p.uri], paths), p.name)
  const links: Record<string, HalLink> = { conversation: link(href('conversation', [cid], paths)) }
  if (data.rel === 'messagingInvitation') links.messaging = link(href('messaging', [cid], paths))
  if (data.direction === 'Outgoing') links.from = participant(data.from)
  if (data.rel === 'participantInvitation' && data.acceptedBy)
    links.participant = participant(data.acceptedBy)
  return links
}

/** accept/decline (Incoming) or cancel (Outgoing), while the invitation rings. */
function invitationActions(data: InvitationData, self: string, paths: AppPaths): Record<string, HalLink> {
  if (!data.actionable) return {}
  if (data.direction === 'Incoming')
    return { accept: link(`${self}/accept`), decline: link(`${self}/decline`) }
  const messaging = href('messaging', [data.conversationId], paths)
  return { cancel: link(data.rel === 'participantInvitation' ? `${self}/cancel` : `${messaging}/terminate`) }
}

/**
 * A messagingInvitation (either side) or the inviter's participantInvitation (addParticipant),
 * which adds the invitee's address as `to` and, once joined, a `participant` link. Once the reader
 * has no view of the conversation (`detached`: it left, was only rung, or it was answered on
 * another endpoint) nothing of the conversation is linked, since none of it answers there: the
 * invitation keeps `self`, `to`, its first message and who it was from or accepted by.
 */
export function renderInvitation(data: InvitationData, paths: AppPaths): HalResource {
  const self = href(data.rel, [data.id], paths)
  const linked = data.detached !== true
  const cid = data.conversationId
  const links: Record<string, HalLink> = {
    self: link(self),
    to: link(`${paths.app}/people/${bare(data.toUri)}`),
    ...(linked ? conversationLinks(data, paths) : {}),
    ...invitationActions(data, self, paths),
  }
  const embedded: Record<string, unknown> = {}
  if (data.direction === 'Incoming')
    embedded.from = renderParticipant(cid, { ...data.from, local: false }, paths, linked)
  if (data.message) links.message = link(toDataUri(data.message))
  if (data.acceptedBy)
    embedded.acceptedByParticipant = [renderParticipant(cid, data.acceptedBy, paths, linked)]
  return {
    direction: data.direction,
    importance: data.importance,
    threadId: data.threadId,
    state: data.state,
    ...(data.operationId ? { operationId: data.operationId } : {}),
    subject: data.subject,
    ...(data.rel === 'participantInvitation' ? { to: data.toUri } : {}),
    rel: data.rel,
    _links: links,
    ...(Object.keys(embedded).length > 0 ? { _embedded: embedded } : {}),
  }
}
