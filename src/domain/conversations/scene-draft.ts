// A conversation's scene being changed by a rule, in memory: each change is applied to the draft
// (so the rule reads what the store would return after it) and recorded for the service to write,
// in order. Reads mirror the store: members oldest first, views oldest first, invitations by
// creation then id; an upsert keeps what the store keeps (a member's uri and joinedAt, a view's
// user and createdAt).
import type { ApplicationId } from '../ids.ts'
import type { InvitationChange } from './conversation-store.ts'
import type { Conversation, ConversationMode, Invitation, Member, Scene, View } from './conversation-types.ts'

/** One write to the conversation store, as the rules decided it. */
export type Change =
  | { readonly op: 'createConversation'; readonly conversation: Conversation }
  | { readonly op: 'setMode'; readonly mode: ConversationMode }
  | { readonly op: 'end'; readonly at: number }
  | { readonly op: 'upsertMember'; readonly member: Member }
  | { readonly op: 'upsertView'; readonly view: View }
  | { readonly op: 'removeView'; readonly appId: ApplicationId }
  | { readonly op: 'createInvitation'; readonly invitation: Invitation }
  | { readonly op: 'updateInvitation'; readonly id: string; readonly change: InvitationChange }

/**
 * `list` with the entry `same` finds merged as the store merges it (`merge`), or with `item` added
 * where the store orders it (by `time`, ties in insertion order).
 */
function upserted<T>(
  list: readonly T[],
  item: T,
  same: (t: T) => boolean,
  merge: (found: T) => T,
  time: (t: T) => number,
): T[] {
  const found = list.find(same)
  if (found) return list.map((t) => (t === found ? merge(found) : t))
  return [...list, item].sort((a, b) => time(a) - time(b))
}

const byInvitationOrder = (a: Invitation, b: Invitation) =>
  a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)

export class SceneDraft {
  #scene: Scene
  readonly #changes: Change[] = []

  constructor(scene: Scene) {
    this.#scene = scene
  }

  /** A conversation that does not exist yet: creating it is the first change. */
  static create(conversation: Conversation): SceneDraft {
    const draft = new SceneDraft({ conversation, members: [], views: [], invitations: [] })
    draft.#changes.push({ op: 'createConversation', conversation })
    return draft
  }

  /** The scene as the changes so far left it (each change makes a new one: earlier ones stay as they were). */
  get scene(): Scene {
    return this.#scene
  }

  get changes(): readonly Change[] {
    return this.#changes
  }

  setMode(mode: ConversationMode): void {
    this.#record({ op: 'setMode', mode }, { conversation: { ...this.#scene.conversation, mode } })
  }

  end(at: number): void {
    this.#record({ op: 'end', at }, { conversation: { ...this.#scene.conversation, endedAt: at } })
  }

  upsertMember(member: Member): void {
    const members = upserted(
      this.#scene.members,
      member,
      (m) => m.userId === member.userId,
      (found) => ({ ...found, state: member.state, name: member.name }),
      (m) => m.joinedAt,
    )
    this.#record({ op: 'upsertMember', member }, { members })
  }

  upsertView(view: View): void {
    const views = upserted(
      this.#scene.views,
      view,
      (v) => v.appId === view.appId,
      (found) => ({ ...view, userId: found.userId, createdAt: found.createdAt }),
      (v) => v.createdAt,
    )
    this.#record({ op: 'upsertView', view }, { views })
  }

  removeView(appId: ApplicationId): void {
    this.#record({ op: 'removeView', appId }, { views: this.#scene.views.filter((v) => v.appId !== appId) })
  }

  createInvitation(invitation: Invitation): void {
    const invitations = [...this.#scene.invitations, invitation].sort(byInvitationOrder)
    this.#record({ op: 'createInvitation', invitation }, { invitations })
  }

  updateInvitation(id: string, change: InvitationChange): void {
    const invitations = this.#scene.invitations.map((i) =>
      i.id !== id
        ? i
        : {
            ...i,
            state: change.state,
            ...(change.reason !== undefined ? { reason: change.reason } : {}),
            ...(change.answeredAppId !== undefined ? { answeredAppId: change.answeredAppId } : {}),
          },
    )
    this.#record({ op: 'updateInvitation', id, change }, { invitations })
  }

  #record(change: Change, scene: Partial<Scene>): void {
    this.#changes.push(change)
    this.#scene = { ...this.#scene, ...scene }
  }
}
