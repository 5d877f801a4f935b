// The closed catalogue of errors Parley answers with. UCWA's vocabulary: a `code` (the HTTP-level
// family) and an optional `subcode`. See docs/errors.md; test/unit/errors.test.ts keeps both in sync.
// No HTTP status here: src/http/errors.ts maps each code to its status.

/** UCWA error codes (ErrorCode_ref.md) that Parley emits. */
export const UCWA_CODES = [
  'BadRequest',
  'Unauthorized',
  'Forbidden',
  'NotFound',
  'MethodNotAllowed',
  'Conflict',
  'Gone',
  'PreconditionFailed',
  'EntityTooLarge',
  'UnsupportedMediaType',
  'PreconditionRequired',
  'TooManyRequests',
  'ServiceFailure',
  'ServiceUnavailable',
] as const
export type UcwaCode = (typeof UCWA_CODES)[number]

interface CatalogueEntry {
  readonly code: UcwaCode
  /** UCWA subcode; absent where real servers send none. */
  readonly subcode?: string
  readonly message: string
}

/** Every error Parley can answer with, keyed by a stable name used in code and docs. */
export const ERRORS = {
  BadRequest: { code: 'BadRequest', message: 'The request is malformed.' },
  ParameterValidationFailure: {
    code: 'BadRequest',
    subcode: 'ParameterValidationFailure',
    message: 'A parameter value is not valid.',
  },
  DeserializationFailure: {
    code: 'BadRequest',
    subcode: 'DeserializationFailure',
    message: 'The request body could not be deserialized.',
  },
  AuthenticationRequired: {
    code: 'Unauthorized',
    message:
      'A valid access token is required. Get one from the token endpoint the challenge names (MsRtcOAuth href).',
  },
  Forbidden: { code: 'Forbidden', message: 'The operation is not allowed.' },
  UserNotHomedHere: {
    code: 'Forbidden',
    subcode: 'UserNotHomedHere',
    message: 'The user is homed on another pool; run Autodiscover again to find it.',
  },
  MobilityNotAllowed: {
    code: 'Forbidden',
    subcode: 'UserAgentNotAllowed',
    message: 'Mobile clients are not allowed for this user: the mobility policy has EnableMobility off.',
  },
  MobilityInternalOnly: {
    code: 'Forbidden',
    subcode: 'UserAgentNotAllowed',
    message:
      'Mobile clients may use this pool only from the internal network (Mcx ExposedWebURL is Internal); connect through the internal web services.',
  },
  AudioVideoNotAllowed: {
    code: 'Forbidden',
    subcode: 'ModalityNotSupported',
    message: 'Audio and video are disabled for this user by policy (EnableIPAudioVideo).',
  },
  PhoneAudioNotAllowed: {
    code: 'Forbidden',
    subcode: 'ModalityNotSupported',
    message:
      'Call via Work is not allowed for this user (EnableOutsideVoice is off or the user has no Enterprise Voice).',
  },
  WiFiRequired: {
    code: 'Forbidden',
    subcode: 'ModalityNotSupported',
    message:
      'Audio and video need Wi-Fi for this user (RequireWiFiForIPAudio), and this application reported a cellular network.',
  },
  AdminRequired: {
    code: 'Forbidden',
    message: 'This operation needs the admin role (parley admin add USER).',
  },
  ResourceNotFound: { code: 'NotFound', message: 'The resource does not exist.' },
  ApplicationNotFound: {
    code: 'NotFound',
    subcode: 'ApplicationNotFound',
    message: 'The application resource does not exist.',
  },
  APIVersionNotSupported: {
    code: 'NotFound',
    subcode: 'APIVersionNotSupported',
    message: 'The resource version asked for in X-MS-RequiresMinResourceVersion is not supported.',
  },
  MethodNotAllowed: {
    code: 'MethodNotAllowed',
    message: 'The requested HTTP method is not supported for this resource.',
  },
  InactiveApplicationExpired: {
    code: 'Gone',
    subcode: 'InactiveApplicationExpired',
    message: 'The application expired because it was inactive.',
  },
  TooManyApplications: {
    code: 'Gone',
    subcode: 'TooManyApplications',
    message: 'There are too many applications for this user.',
  },
  Conflict: { code: 'Conflict', message: 'The resource is not in a state that allows this.' },
  PGetReplaced: {
    code: 'Conflict',
    subcode: 'PGetReplaced',
    message: 'The existing P-GET was replaced by a newer one.',
  },
  MakeMeAvailableRequired: {
    code: 'Conflict',
    subcode: 'MakeMeAvailableRequired',
    message: 'Call makeMeAvailable on this application first.',
  },
  AlreadyExists: {
    code: 'Conflict',
    subcode: 'AlreadyExists',
    message: 'The resource already exists.',
  },
  LimitExceeded: {
    code: 'Forbidden',
    subcode: 'LimitExceeded',
    message: 'A per-user limit was reached.',
  },
  PreconditionFailed: { code: 'PreconditionFailed', message: 'An If-Match precondition was not met.' },
  PreconditionRequired: {
    code: 'PreconditionRequired',
    message: 'The operation requires an If-Match precondition.',
  },
  EntityTooLarge: { code: 'EntityTooLarge', message: 'The request is too large.' },
  UnsupportedMediaType: { code: 'UnsupportedMediaType', message: 'The content-type is not supported.' },
  TooManyRequests: { code: 'TooManyRequests', message: 'Too many requests; retry later.' },
  ServiceFailure: { code: 'ServiceFailure', message: 'Internal server error.' },
  ServiceUnavailable: {
    code: 'ServiceUnavailable',
    message: 'The service is temporarily unavailable; retry later.',
  },
} as const satisfies Record<string, CatalogueEntry>

export type ErrorName = keyof typeof ERRORS

/** One invalid input, named by its path in the request (`/endpointId`, `query.ack`). */
export interface InvalidParameter {
  readonly name: string
  readonly reason: string
}

/** A failure the client caused or must react to; rendered as a UCWA `reason` body. */
export class UcwaError extends Error {
  override readonly name = 'UcwaError'
  readonly key: ErrorName
  readonly code: UcwaCode
  readonly subcode: string | undefined
  readonly parameters: readonly InvalidParameter[] | undefined
  /** Seconds the client should wait before retrying, where that is known. */
  readonly retryAfterSeconds: number | undefined

  constructor(
    key: ErrorName,
    options: {
      message?: string
      parameters?: readonly InvalidParameter[]
      retryAfterSeconds?: number
      cause?: unknown
    } = {},
  ) {
    const entry: CatalogueEntry = ERRORS[key]
    super(options.message ?? entry.message, { cause: options.cause })
    this.key = key
    this.code = entry.code
    this.subcode = entry.subcode
    this.parameters = options.parameters
    this.retryAfterSeconds = options.retryAfterSeconds
  }
}

export const isUcwaError = (e: unknown): e is UcwaError => e instanceof UcwaError
