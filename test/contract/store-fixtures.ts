// Fixtures of the store contract suite (store-contract.ts), also used by the adapters' own tests
// (test/store/): a store per test, users, applications, events and a conversation with a ringing
// invitation.
import {
  DEFAULT_COMMUNICATION,
  type NewApplication,
} from '../../src/domain/applications/application-types.ts'
import type { ChannelEvent } from '../../src/domain/events/channel-event.ts'
import type { ConversationLog } from '../../src/domain/history/history-types.ts'
import { type ApplicationId, asApplicationId, type SipUri, type UserId } from '../../src/domain/ids.ts'
import type { Store } from '../../src/domain/ports.ts'

export type OpenStore = () => Promise<{ store: Store; close(): Promise<void> }>

export const T0 = Date.UTC(2026, 10, 21, 12)
let counter = 0
export const id = (prefix: string) => `${prefix}-${++counter}-${Math.random().toString(36).slice(2, 8)}`

export async function withStore(open: OpenStore, work: (store: Store) => Promise<void>): Promise<void> {
  const { store, close } = await open()
  try {
    await work(store)
  } finally {
    await close()
  }
}

export async function addUser(
  store: Store,
  name: string,
  extra: Record<string, unknown> = {},
): Promise<UserId> {
  const user = await store.users.insert(
    {
      id: id('u') as UserId,
      sipUri: `sip:${name}@example.test` as SipUri,
      displayName: name,
      homePool: 'pool01.example.test',
      passwordHash: null,
      ...extra,
    },
    T0,
  )
  return user.id
}

export function newApp(userId: UserId, endpointId = id('ep')): NewApplication {
  return {
    id: asApplicationId(String(100_000 + ++counter)),
    userId,
    pool: 'pool01.example.test',
    endpointId,
    userAgent: 'contract/1.0',
    culture: 'en-US',
    type: 'Browser',
    instanceId: null,
    kind: 'browser',
    createdAt: T0,
    lastActivityAt: T0,
    expiresAt: T0 + 60_000,
    communication: DEFAULT_COMMUNICATION,
  }
}

export const event = (n: number, priority: ChannelEvent['priority'] = 'medium'): ChannelEvent => ({
  sender: { rel: 'me' },
  link: { rel: 'note', ids: [String(n)] },
  type: 'updated',
  priority,
})

export async function seedConversation(
  store: Store,
): Promise<{ conversation: string; invitation: string; app: ApplicationId; user: UserId }> {
  const user = await addUser(store, id('conv'))
  const app = (await store.applications.insert(newApp(user))).id
  const conversation = id('c')
  await store.conversations.createConversation({
    id: conversation,
    threadId: 't',
    subject: '',
    importance: 'Normal',
    mode: 'p2p',
    createdAt: T0,
    endedAt: null,
  })
  const invitation = id('i')
  await store.conversations.createInvitation({
    id: invitation,
    kind: 'modality',
    modality: 'messaging',
    conversationId: conversation,
    fromUserId: user,
    fromAppId: app,
    toUri: 'sip:b@x',
    toUserId: null,
    operationId: null,
    message: null,
    state: 'Connecting',
    reason: null,
    answeredAppId: null,
    createdAt: T0,
    expiresAt: T0 + 30_000,
  })
  return { conversation, invitation, app, user }
}

/** `app`'s view of `conversation`, connected, reading every message (sinceSeq 0). */
export function connectedView(conversation: string, app: ApplicationId, user: UserId) {
  return {
    conversationId: conversation,
    appId: app,
    userId: user,
    state: 'Connected',
    messaging: 'Connected',
    sinceSeq: 0,
    createdAt: T0,
  } as const
}

/** `user` as a connected member of `conversation` (sip:m@x, "M"). */
export async function connectMember(store: Store, conversation: string, user: UserId): Promise<void> {
  await store.conversations.upsertMember({
    conversationId: conversation,
    userId: user,
    uri: 'sip:m@x',
    name: 'M',
    state: 'connected',
    joinedAt: T0,
  })
}

/** A conversation log of `user` for `conversation` (missed, read, nothing said), with `fields`. */
export function newLog(
  conversation: string,
  user: UserId,
  fields: Partial<ConversationLog> = {},
): ConversationLog {
  return {
    id: id('log'),
    userId: user,
    conversationId: conversation,
    threadId: 't',
    subject: '',
    importance: 'Normal',
    direction: 'Incoming',
    status: 'Missed',
    unread: false,
    preview: '',
    recipients: [],
    startedAt: T0,
    lastAt: T0,
    endedAt: null,
    ...fields,
  }
}
