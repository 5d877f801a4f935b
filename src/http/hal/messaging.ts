// Messaging and messages as UCWA JSON, in the shapes the SendAnIM / ReceiveAnIM traces show
// (docs/protocol.md §7). Used by the routes and, through EMBEDDED_RENDERERS, for resources
// embedded in events. Conversations, invitations and participants are hal/conversations.ts.
import { toDataUri } from '../../domain/messaging/data-uri.ts'
import type { MessageData, MessagingData } from '../../domain/messaging/messaging-events.ts'
import { bare, hrefOf } from './refs.ts'
import { aspNetDate, type HalLink, type HalResource } from './resources.ts'
import type { AppPaths } from './ucwa-paths.ts'

const href = (rel: string, ids: string[], paths: AppPaths): string => hrefOf({ rel, ids }, paths)
const link = (h: string, title?: string): HalLink => (title === undefined ? { href: h } : { href: h, title })

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
