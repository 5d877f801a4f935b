// The events of the messaging modality — messaging, participantMessaging, message, typing — per
// recipient application, in the order real pools sent them (docs/protocol.md §7; SendAnIM /
// ReceiveAnIM traces). The conversation's own events are conversations/conversation-events.ts.
// Embedded data is rendered by src/http/hal/messaging.ts.

import type { Application } from '../applications/application-types.ts'
import {
  conversationRef,
  type ParticipantData,
  participantRef,
} from '../conversations/conversation-events.ts'
import type { ModalityState } from '../conversations/conversation-types.ts'
import type { ChannelEvent } from '../events/channel-event.ts'
import type { Message } from './messaging-types.ts'

export interface MessagingData {
  readonly conversationId: string
  readonly state: ModalityState
  readonly formats: readonly string[]
}

/** The messaging resource as `app` reads it: the formats it negotiated (Html only where it asked). */
export const messagingDataOf = (
  conversationId: string,
  state: ModalityState,
  app: Application,
): MessagingData => ({
  conversationId,
  state,
  formats: app.communication.supportedMessageFormats.includes('Html') ? ['Plain', 'Html'] : ['Plain'],
})

export interface MessageData {
  readonly conversationId: string
  readonly seq: number
  readonly direction: 'Incoming' | 'Outgoing'
  readonly timeStamp: number
  readonly operationId: string | null
  readonly sender: ParticipantData
  readonly contentType: Message['contentType']
  readonly body: string
}

const high = (e: Omit<ChannelEvent, 'priority'>): ChannelEvent => ({ ...e, priority: 'high' })

export const participantMessagingEvent = (
  cid: string,
  p: ParticipantData,
  type: 'added' | 'deleted',
): ChannelEvent =>
  high({
    sender: conversationRef({ id: cid }),
    link: { rel: 'participantMessaging', ids: [cid, p.uri] },
    in: participantRef(cid, p, p.local),
    type,
  })

export const messagingEvent = (data: MessagingData, reason?: 'Ended'): ChannelEvent =>
  high({
    sender: conversationRef({ id: data.conversationId }),
    link: { rel: 'messaging', ids: [data.conversationId] },
    type: 'updated',
    embedded: data as never,
    ...(reason ? { reason: { code: 'Informational', subcode: reason } } : {}),
  })

export const messageEvent = (data: MessageData, status: 'Success' | 'Failure' = 'Success'): ChannelEvent =>
  high({
    sender: conversationRef({ id: data.conversationId }),
    link: { rel: 'message', ids: [data.conversationId, String(data.seq)] },
    type: 'completed',
    status,
    embedded: data as never,
  })

export const typingEvent = (cid: string, p: ParticipantData, type: 'added' | 'deleted'): ChannelEvent =>
  high({
    sender: conversationRef({ id: cid }),
    link: participantRef(cid, p, false),
    in: { rel: 'typingParticipants', ids: [cid] },
    type,
  })
