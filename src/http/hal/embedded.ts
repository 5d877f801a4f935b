// Renderers for resources embedded in events, keyed by the event link's rel. Events carry the
// resource's data as it was when the event happened; these turn it into the HAL resource.
import type { CommunicationSettings } from '../../domain/applications/application-types.ts'
import type {
  ConversationData,
  InvitationData,
  ParticipantData,
} from '../../domain/conversations/conversation-events.ts'
import type { MessageData, MessagingData } from '../../domain/messaging/messaging-events.ts'
import { renderConversation, renderInvitation, renderParticipant } from './conversations.ts'
import type { EmbeddedRenderer } from './events.ts'
import { renderMessage, renderMessaging } from './messaging.ts'
import { renderEmbeddedPresenceSubscription } from './presence-resources.ts'
import { renderCommunication } from './resources.ts'

export const EMBEDDED_RENDERERS: Readonly<Record<string, EmbeddedRenderer>> = {
  communication: (data, _ref, paths) =>
    renderCommunication({ id: paths.id, communication: data.communication as CommunicationSettings }, paths),
  presenceSubscription: renderEmbeddedPresenceSubscription,
  messagingInvitation: (data, _ref, paths) => renderInvitation(data as unknown as InvitationData, paths),
  participantInvitation: (data, _ref, paths) => renderInvitation(data as unknown as InvitationData, paths),
  conversation: (data, _ref, paths) => renderConversation(data as unknown as ConversationData, paths),
  messaging: (data, _ref, paths) => renderMessaging(data as unknown as MessagingData, paths),
  message: (data, _ref, paths) => renderMessage(data as unknown as MessageData, paths),
  localParticipant: (data, ref, paths) =>
    renderParticipant(ref.ids?.[0] ?? '', data as unknown as ParticipantData, paths),
  participant: (data, ref, paths) =>
    renderParticipant(ref.ids?.[0] ?? '', data as unknown as ParticipantData, paths),
}
