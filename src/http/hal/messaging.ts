// Conversations, messaging, invitations, participants and messages as UCWA JSON, in the shapes
// the SendAnIM / ReceiveAnIM traces show (docs/protocol.md §7). Used by the routes and, through
// EMBEDDED_RENDERERS, for resources embedded in events.
import { toDataUri } from '../../domain/messaging/data-uri.ts'
import {
  type ConversationData,
  type InvitationData,
  inConversation,
  type MessageData,
  type MessagingData,
  type ParticipantData,
} from '../../domain/messaging/messaging-events.ts'
import { bare, hrefOf } from './refs.ts'
import { aspNetDate, type HalLink, type HalResource } from './resources.ts'
import type { AppPaths } from './ucwa-paths.ts'

const href = (rel: string, ids: string[], paths: AppPaths): string => hrefOf({ rel, ids }, paths)
const link = (h: string, title?: string): HalLink => (title === undefined ? { href: h } : { href: h, title })

export function renderParticipant(cid: string, p: ParticipantData, paths: AppPaths): HalResource {
  const self = href('participant', [cid, p.uri], paths)
  const address = bare(p.uri)
  return {
    sourceNetwork: 'SameEnterprise',
    anonymous: false,
    name: p.name,
    uri: p.uri,
    rel: 'participant',
    _links: {
      self: link(self),
      conversation: link(href('conversation', [cid], paths)),
      ...(p.local
        ? { me: link(`${paths.app}/me`) }
        : {
            contact: link(`${paths.app}/people/${address}`),
            contactPresence: link(`${paths.app}/people/${address}/presence`),
            contactPhoto: link(`${paths.app}/photos/${address}`),
          }),
      // Only while its participantMessaging exists (the route answers 404 otherwise).
      ...(p.messaging ? { messaging: link(`${self}/messaging`) } : {}),
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

export function renderMessaging(data: MessagingData, paths: AppPaths): HalResource {
  const self = href('messaging', [data.conversationId], paths)
  const links: Record<string, HalLink> = {
    self: link(self),
    conversation: link(href('conversation', [data.conversationId], paths)),
  }
  if (data.state !== 'Disconnected') links.stopMessaging = link(`${self}/terminate`)
  if (data.state === 'Connected') {
    links.sendMessage = link(`${self}/messages`)
    links.setIsTyping = link(`${self}/typing`)
    links.typingParticipants = link(`${self}/typingParticipants`)
  }
  return {
    state: data.state,
    ...(data.state === 'Connected' ? { negotiatedMessageFormats: data.formats } : {}),
    rel: 'messaging',
    _links: links,
  }
}

/**
 * A messagingInvitation (either side) or the inviter's participantInvitation (addParticipant),
 * which adds the invitee's address as `to` and, once joined, a `participant` link.
 */
export function renderInvitation(data: InvitationData, paths: AppPaths): HalResource {
  const self = href(data.rel, [data.id], paths)
  const added = data.rel === 'participantInvitation'
  const cid = data.conversationId
  const conversation = href('conversation', [cid], paths)
  const messaging = href('messaging', [cid], paths)
  const links: Record<string, HalLink> = {
    self: link(self),
    to: link(`${paths.app}/people/${bare(data.toUri)}`),
    conversation: link(conversation),
    ...(added ? {} : { messaging: link(messaging) }),
  }
  const embedded: Record<string, unknown> = {}
  if (data.direction === 'Outgoing') {
    links.from = link(href('participant', [cid, data.from.uri], paths), data.from.name)
    if (data.actionable) links.cancel = link(added ? `${self}/cancel` : `${messaging}/terminate`)
    if (added && data.acceptedBy)
      links.participant = link(href('participant', [cid, data.acceptedBy.uri], paths), data.acceptedBy.name)
  } else {
    embedded.from = renderParticipant(cid, { ...data.from, local: false }, paths)
    if (data.actionable) {
      links.accept = link(`${self}/accept`)
      links.decline = link(`${self}/decline`)
    }
  }
  if (data.message) links.message = link(toDataUri(data.message))
  if (data.acceptedBy) embedded.acceptedByParticipant = [renderParticipant(cid, data.acceptedBy, paths)]
  return {
    direction: data.direction,
    importance: data.importance,
    threadId: data.threadId,
    state: data.state,
    ...(data.operationId ? { operationId: data.operationId } : {}),
    subject: data.subject,
    ...(added ? { to: data.toUri } : {}),
    rel: data.rel,
    _links: links,
    ...(Object.keys(embedded).length > 0 ? { _embedded: embedded } : {}),
  }
}

/**
 * A message. The sender's own (`Outgoing`) carries only `self` and `messaging` besides its
 * `operationId`, as SendAnIM.md shows it: no body and no participant. Bots that answer every
 * message event with a body (dadecoza/python-ucwa-bot) would otherwise answer themselves forever.
 */
export function renderMessage(data: MessageData, paths: AppPaths): HalResource {
  const cid = data.conversationId
  const links: Record<string, HalLink> = {
    self: link(href('message', [cid, String(data.seq)], paths)),
    messaging: link(href('messaging', [cid], paths)),
  }
  if (data.direction === 'Incoming') {
    const body = link(toDataUri({ contentType: data.contentType, body: data.body }))
    links.participant = link(href('participant', [cid, data.sender.uri], paths), data.sender.name)
    links.contact = link(`${paths.app}/people/${bare(data.sender.uri)}`)
    links[data.contentType === 'text/html' ? 'htmlMessage' : 'plainMessage'] = body
  }
  return {
    direction: data.direction,
    timeStamp: aspNetDate(data.timeStamp),
    ...(data.operationId ? { operationId: data.operationId } : {}),
    rel: 'message',
    _links: links,
  }
}
