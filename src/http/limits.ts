// Every length and count cap on UCWA input, in one place, each with why and the evidence for it.
// The caps are generous on purpose: they exist so one request cannot make the server store or
// echo something absurd, not to police clients. Real clients send GUID-based correlation ids
// longer than the docs' 50 characters, and a refused startMessaging is a broken client.
// The request body as a whole is bounded by `http.bodyLimitBytes` (413 EntityTooLarge), and a
// message by `messaging.maxMessageBytes`; see docs/limits.md for the full table.
import { DEFAULT_CONTACT_LIMITS } from '../domain/contacts/contact-types.ts'
import { MAX_SIP_ADDRESS_LENGTH } from '../domain/users/sip-uri.ts'

export const LIMITS = {
  /**
   * operationId, sessionContext, threadId (startMessaging, continueMessaging, addParticipant,
   * sendMessage's `?OperationContext=`) and the application's instanceId: opaque correlation
   * strings the server hands back. The docs say 50 for operationId (startMessaging_ref.md), but
   * clients send GUIDs (36, ankitbko/ucwa-bot UcwaSendMessage.cs; kenakamu/UCWA2.0-CS
   * Communication.cs), hex GUIDs (32, the docs' own samples) and GUID-plus-suffix values of 54
   * and more (seen from published bots pointed at Parley).
   */
  contextString: 256,

  /**
   * The application's UserAgent. No documented bound; samples are short (`ContosoApp/1.0
   * (Windows Phone OS 7.5)`, applications_ref.md; 62 characters for tonybaloney/pyucwa's Skype Web
   * SDK string), but the property may carry platform details (application_ref.md), and browser
   * user agents alone run past 100 characters. Only mobility detection reads it.
   */
  userAgent: 1024,

  /** The application's EndpointId: a GUID in most clients (pyucwa: uuid1), `1234` or `123456` in samples. */
  endpointId: 256,

  /** Culture (`en-US`, `en-us`): a BCP 47 tag; 100 leaves room for extensions (`de-DE-u-co-phonebk`). */
  culture: 100,

  /** The application's `type` (Browser, Phone, Tablet, Desktop): matched against a list afterwards. */
  applicationType: 100,

  /**
   * A SIP URI as input (`to`, `contactUri`, `uris[]`, `contactUris[]`): parseSipUri then holds the
   * address itself to MAX_SIP_ADDRESS_LENGTH; this leaves room for `sip:`, quotes and spaces (the
   * docs' own `"sip : john@contoso.com"`, startMessaging_ref.md).
   */
  sipUri: MAX_SIP_ADDRESS_LENGTH + 256,

  /** A conversation subject: 250 is the documented maximum (startMessaging_ref.md). */
  subject: 250,

  /** me/note `message`: no documented bound (note_ref.md); shown to every watcher, so bounded, generously. */
  note: 1024,

  /** me/location `location`: no documented bound (location_ref.md); a place name or an address. */
  location: 256,

  /** A phone number (`tel:+14255552222`, with `;ext=` or a display form): E.164 is 15 digits. */
  phoneNumber: 100,

  /** supportedModalities / supportedMessageFormats: 7 and 2 possible values; duplicates are tolerated. */
  enumList: 32,

  /** A group name (myGroups POST, group PUT): the contact list's own bound, refused naming the field sent. */
  groupName: DEFAULT_CONTACT_LIMITS.maxGroupName,

  /** A group id as input (groupMemberships `groupId`, removeFromContactList). */
  groupId: 256,

  /** addToContactList `displayName` (a distribution group's name). */
  displayName: 256,

  /** addToContactList `smtpAddress`: RFC 5321 paths are at most 256 octets; 320 is the usual bound. */
  smtpAddress: 320,

  /** relationshipLevel / networkType: matched against their enumerations afterwards (Workgroup, WiFi, …). */
  enumText: 40,

  /** Requests in one batch: Lync refused more outstanding requests than this (429, nothing run). */
  batchParts: 100,

  /**
   * A path segment (a contact address, a conversation id): Fastify's maxParamLength, which
   * server.ts sets; a longer segment answers 404 (no resource has such a name).
   */
  pathSegment: 1024,
} as const
