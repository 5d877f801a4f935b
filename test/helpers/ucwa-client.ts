// A signed-in UCWA application as a test client: sign in, create the application, and talk to it
// (GET/POST/PUT/DELETE/any method, the event channel). Shared by the HTTP tests.
import assert from 'node:assert/strict'
import {
  createApplication,
  type HttpResponse,
  PASSWORDS,
  request,
  signIn,
  type TestServer,
} from './server.ts'

export type UserName = 'alice' | 'bob' | 'carol'

export const ADDRESS: Readonly<Record<UserName, string>> = {
  alice: 'alice@example.test',
  bob: 'bob@example.test',
  carol: 'carol@other.test',
}

/** Each test user's home pool (the Host their requests carry). */
export const HOME: Readonly<Record<UserName, string>> = {
  alice: 'pool01.example.test',
  bob: 'pool01.example.test',
  carol: 'pool02.example.test',
}

export interface Client {
  readonly user: UserName
  /** The application's href (`/ucwa/oauth/v1/applications/{id}`). */
  readonly self: string
  readonly token: string
  /** The next events href; `events()` advances it. */
  next: string
  /** The answer to the POST that created the application (201; its body, headers and cookie). */
  readonly created: HttpResponse
  get(path: string, headers?: Record<string, string>): Promise<HttpResponse>
  /** POST with a JSON body (an empty body when `body` is undefined). */
  post(path: string, body?: unknown): Promise<HttpResponse>
  /** PUT with a JSON body and extra headers (If-Match, say). */
  put(path: string, body: unknown, headers?: Record<string, string>): Promise<HttpResponse>
  /** DELETE. */
  del(path: string): Promise<HttpResponse>
  /** Any method with a raw body (JSON content type when there is one) and extra headers. */
  send(method: string, path: string, body?: string, headers?: Record<string, string>): Promise<HttpResponse>
  /** The next batch of events, waiting at most `timeout` seconds when nothing is queued. */
  events(timeout?: number): Promise<any>
}

/** Signs `user` in on their home pool and creates an application with `endpointId`. */
export async function signedInApp(
  t: TestServer,
  user: UserName,
  endpointId = `${user}-1`,
  extra: Record<string, unknown> = {},
): Promise<Client> {
  const token = await signIn(t.internal, HOME[user], ADDRESS[user], PASSWORDS[user])
  return openApp(t, user, token, endpointId, extra)
}

/**
 * Creates an application with `endpointId` for `user`, already signed in with `token` (several
 * applications under one token); `extra` adds to or overrides the application's input.
 */
export async function openApp(
  t: TestServer,
  user: UserName,
  token: string,
  endpointId = `${user}-1`,
  extra: Record<string, unknown> = {},
): Promise<Client> {
  const host = HOME[user]
  const app = await createApplication(t.internal, host, token, {
    UserAgent: 'test/1.0',
    EndpointId: endpointId,
    Culture: 'en-US',
    ...extra,
  })
  assert.equal(app.status, 201, app.text)
  const send = (method: string, path: string, body?: string, headers: Record<string, string> = {}) =>
    request(t.internal, path, {
      method,
      host,
      token,
      headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
      ...(body === undefined ? {} : { body }),
    })
  const client: Client = {
    user,
    self: app.json._links.self.href,
    token,
    next: app.json._links.events.href,
    created: app,
    get: (path, headers) => send('GET', path, undefined, headers),
    post: (path, body) => send('POST', path, body === undefined ? '' : JSON.stringify(body)),
    put: (path, body, headers) => send('PUT', path, JSON.stringify(body), headers),
    del: (path) => send('DELETE', path),
    send,
    async events(timeout = 1) {
      const res = await send('GET', `${client.next}&timeout=${timeout}`)
      assert.equal(res.status, 200, res.text)
      client.next = res.json._links.next.href
      return res.json
    },
  }
  return client
}

/** `sender:rel:type` per event, plus ` in <rel>` when the event names a collection. */
export const summary = (batch: any): string[] =>
  (batch.sender as any[]).flatMap((s) =>
    s.events.map((e: any) => `${s.rel}:${e.link.rel}:${e.type}${e.in ? ` in ${e.in.rel}` : ''}`),
  )

/** `sender:rel:type` per event, without the collection (see `summary`). */
export const eventsOf = (batch: any): string[] =>
  (batch.sender as any[]).flatMap((s) => s.events.map((e: any) => `${s.rel}:${e.link.rel}:${e.type}`))

/** The link hrefs of the batch's events whose link has `rel`, in order. */
export const linkHrefs = (batch: any, rel: string): string[] =>
  (batch.sender as any[]).flatMap((s) =>
    s.events.filter((e: any) => e.link.rel === rel).map((e: any) => e.link.href),
  )

/** makeMeAvailable with Messaging (and whatever else `body` says). */
export async function available(
  c: Client,
  body: unknown = { SupportedModalities: ['Messaging'], SupportedMessageFormats: ['Plain', 'Html'] },
): Promise<void> {
  const res = await c.post(`${c.self}/me/makeMeAvailable`, body)
  assert.equal(res.status, 204, res.text)
}

/** makeMeAvailable on each client, then its queue drained (the makeMeAvailable events). */
export async function availableAll(...clients: Client[]): Promise<void> {
  for (const c of clients) {
    await available(c)
    await c.events()
  }
}

/** alice and bob, each signed in once and available, with their event queues drained. */
export async function availablePair(t: TestServer): Promise<{ alice: Client; bob: Client }> {
  const alice = await signedInApp(t, 'alice')
  const bob = await signedInApp(t, 'bob')
  await availableAll(alice, bob)
  return { alice, bob }
}
