// Renderers for resources embedded in events, keyed by the event link's rel. Events carry the
// resource's data as it was when the event happened; these turn it into the HAL resource.
import type { CommunicationSettings } from '../../domain/applications/application-types.ts'
import type { EmbeddedRenderer } from './events.ts'
import { renderEmbeddedPresenceSubscription } from './presence-resources.ts'
import { renderCommunication } from './resources.ts'

export const EMBEDDED_RENDERERS: Readonly<Record<string, EmbeddedRenderer>> = {
  communication: (data, _ref, paths) =>
    renderCommunication({ id: paths.id, communication: data.communication as CommunicationSettings }, paths),
  presenceSubscription: renderEmbeddedPresenceSubscription,
}
