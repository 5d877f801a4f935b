// missedItems, conversationLogs, conversationLog, its recipients and transcripts as UCWA JSON, in
// the shapes of missedItems_ref, conversationLogs_ref, conversationLog_ref,
// conversationLogTranscripts_ref and conversationLogRecipient_ref. See docs/messaging.md.

import type { ConversationLog, LogEntry, LogParty, MissedCounts } from '../../domain/history/history-types.ts'
import { toDataUri } from '../../domain/messaging/data-uri.ts'
import { bare, hrefOf } from './refs.ts'
import { aspNetDate, type HalLink, type HalResource } from './resources.ts'
import type { AppPaths } from './ucwa-paths.ts'

const href = (rel: string, ids: string[], paths: AppPaths): string => hrefOf({ rel, ids }, paths)
const link = (h: string, title?: string): HalLink => (title ? { href: h, title } : { href: h })

export function renderMissedItems(counts: MissedCounts, paths: AppPaths): HalResource {
  return {
    conversationLogsCount: counts.conversationLogsCount,
    conversationLogsNotifications: 'Disabled',
    missedConversationsCount: counts.missedConversationsCount,
    unreadMissedConversationsCount: counts.unreadMissedConversationsCount,
    unreadVoicemailsCount: 0,
    voiceMailsCount: 0,
    rel: 'missedItems',
    _links: {
      self: link(href('missedItems', [], paths)),
      conversationLogs: link(href('conversationLogs', [], paths)),
    },
  }
}

/**
 * The collection: `_links.conversationLog` is always an array of hrefs (as the reference and
 * clients that GET each log expect), and the logs are embedded too for clients that read them
 * from `_embedded`.
 */
export function renderConversationLogs(
  logs: readonly ConversationLog[],
  self: string,
  paths: AppPaths,
): HalResource {
  return {
    rel: 'conversationLogs',
    _links: {
      self: link(self),
      conversationLog: logs.map((l) => link(href('conversationLog', [l.id], paths))),
    },
    _embedded: { conversationLog: logs.map((l) => renderConversationLog(l, paths)) },
  }
}

export function renderConversationLog(log: ConversationLog, paths: AppPaths): HalResource {
  const self = href('conversationLog', [log.id], paths)
  const links: Record<string, HalLink> = { self: link(self) }
  if (log.recipients.length === 1) links.continueMessaging = link(`${self}/continueMessaging`)
  links.conversationLogTranscripts = link(href('conversationLogTranscripts', [log.id], paths))
  if (log.unread) links.markAsRead = link(`${self}/markAsRead`)
  return {
    creationTime: aspNetDate(log.startedAt),
    direction: log.direction,
    importance: log.importance,
    modalities: ['Messaging'],
    previewMessage: log.preview,
    status: log.status,
    subject: log.subject,
    threadId: log.threadId,
    totalRecipientsCount: log.recipients.length,
    type: 'MessageLog',
    rel: 'conversationLog',
    _links: links,
    _embedded: { conversationLogRecipient: log.recipients.map((p) => renderRecipient(log.id, p, paths)) },
  }
}

export function renderRecipient(logId: string, party: LogParty, paths: AppPaths): HalResource {
  const address = bare(party.uri)
  return {
    displayName: party.name || address,
    sipUri: party.uri,
    rel: 'conversationLogRecipient',
    _links: {
      self: link(href('conversationLogRecipient', [logId, party.uri], paths)),
      contact: link(href('contact', [party.uri], paths)),
      contactPhoto: link(href('contactPhoto', [party.uri], paths)),
      contactPresence: link(href('contactPresence', [party.uri], paths)),
    },
  }
}

export function renderTranscripts(
  log: ConversationLog,
  entries: readonly LogEntry[],
  page: { readonly start: number; readonly next: number | undefined },
  paths: AppPaths,
): HalResource {
  const base = href('conversationLogTranscripts', [log.id], paths)
  const links: Record<string, HalLink> = { self: link(page.start > 0 ? `${base}?start=${page.start}` : base) }
  if (page.next !== undefined) links.nextConversationLogTranscripts = link(`${base}?start=${page.next}`)
  return {
    rel: 'conversationLogTranscripts',
    _links: links,
    _embedded: { conversationLogTranscript: entries.map((e) => renderTranscript(log, e, paths)) },
  }
}

/** One entry: who sent it (`me` or `contact`) and its text as a messageTranscript. */
export function renderTranscript(log: ConversationLog, entry: LogEntry, paths: AppPaths): HalResource {
  const self = href('conversationLogTranscript', [log.id, entry.key], paths)
  const own = entry.senderUserId === log.userId
  return {
    timeStamp: aspNetDate(entry.createdAt),
    rel: 'conversationLogTranscript',
    _links: {
      self: link(self),
      ...(own
        ? { me: link(paths.me) }
        : { contact: link(href('contact', [entry.sender.uri], paths), entry.sender.name) }),
    },
    _embedded: { messageTranscript: renderMessageTranscript(log, entry, paths) },
  }
}

export function renderMessageTranscript(log: ConversationLog, entry: LogEntry, paths: AppPaths): HalResource {
  const body = link(toDataUri({ contentType: entry.contentType, body: entry.body }))
  return {
    rel: 'messageTranscript',
    _links: {
      self: link(`${href('conversationLogTranscript', [log.id, entry.key], paths)}/messageTranscript`),
      ...(entry.contentType === 'text/html' ? { htmlMessage: body } : { plainMessage: body }),
    },
  }
}
