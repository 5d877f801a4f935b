// Rendering the event channel's responses (docs/protocol.md §4.2): events grouped by sender in
// order, `self` and `next` always present, `"sender": []` when empty; hrefs always contain `?` and
// end with `ack=N`.
import type { ChannelEvent, QueuedEvent, Ref } from '../../domain/events/channel-event.ts'
import { hrefOf } from './refs.ts'
import type { HalLink } from './resources.ts'
import type { AppPaths } from './ucwa-paths.ts'

/** Renders an embedded resource for a rel from an event's `embedded` data. */
export type EmbeddedRenderer = (data: Readonly<Record<string, unknown>>, ref: Ref, paths: AppPaths) => object

interface SenderBlock {
  rel: string
  href: string
  events: Record<string, unknown>[]
}

function link(ref: Ref, paths: AppPaths): HalLink {
  return ref.title === undefined
    ? { href: hrefOf(ref, paths) }
    : { href: hrefOf(ref, paths), title: ref.title }
}

function renderEvent(
  event: ChannelEvent,
  paths: AppPaths,
  renderers: Readonly<Record<string, EmbeddedRenderer>>,
): Record<string, unknown> {
  const out: Record<string, unknown> = { link: { rel: event.link.rel, ...link(event.link, paths) } }
  if (event.in) out.in = { rel: event.in.rel, ...link(event.in, paths) }
  if (event.status) out.status = event.status
  if (event.reason) out.reason = event.reason
  if (event.embedded) {
    const render = renderers[event.link.rel]
    const resource = render
      ? render(event.embedded, event.link, paths)
      : { ...event.embedded, rel: event.link.rel, _links: { self: { href: hrefOf(event.link, paths) } } }
    out._embedded = { [event.link.rel]: resource }
  }
  out.type = event.type
  return out
}

export function renderEventBatch(
  events: readonly QueuedEvent[],
  ack: number,
  paths: AppPaths,
  renderers: Readonly<Record<string, EmbeddedRenderer>>,
): Record<string, unknown> {
  const sender: SenderBlock[] = []
  for (const { event } of events) {
    const href = hrefOf(event.sender, paths)
    let block = sender.at(-1)
    if (!block || block.rel !== event.sender.rel || block.href !== href) {
      block = { rel: event.sender.rel, href, events: [] }
      sender.push(block)
    }
    block.events.push(renderEvent(event, paths, renderers))
  }
  return {
    _links: { self: { href: paths.events(ack) }, next: { href: paths.events(ack + 1) } },
    sender,
  }
}

export function renderResync(ack: number, resync: number, paths: AppPaths): Record<string, unknown> {
  return { _links: { self: { href: paths.events(ack) }, resync: { href: paths.events(resync) } }, sender: [] }
}

/** An empty answer that asks the client to repeat the same ack (the server is stopping). */
export function renderRetry(ack: number, paths: AppPaths): Record<string, unknown> {
  return { _links: { self: { href: paths.events(ack) }, next: { href: paths.events(ack) } }, sender: [] }
}
