// Autodiscover: the root, user and domain resources, and the XFrame page (docs/protocol.md §1).
// Paths match case-insensitively (the server is built with caseSensitive: false).
// See docs/autodiscover.md.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import {
  AUTODISCOVER_ROOT_PATH,
  type AutodiscoverService,
  type DiscoveryHints,
  type PoolUrls,
  type RootDocument,
  type UserDocument,
  XFRAME_PATH,
} from '../../domain/autodiscover/autodiscover-service.ts'
import { UcwaError } from '../../domain/errors.ts'
import type { AccessLocation } from '../../domain/topology/topology.ts'
import { requireSession } from '../context.ts'
import { escapeXml } from '../hal/xml.ts'
import { autodiscoverFormat } from '../negotiation.ts'
import { XFRAME_PAGE } from '../xframe-page.ts'
import type { Authenticate } from './authenticate.ts'

const XML_TYPE = 'application/vnd.microsoft.rtc.autodiscover+xml; v=1'
const VND_JSON_TYPE = 'application/vnd.microsoft.rtc.autodiscover+json; v=1'

interface HintQuery {
  originalDomain?: string
  sipuri?: string
  sipUri?: string
  Domain?: string
  domain?: string
}

export function autodiscoverRoutes(
  app: FastifyInstance,
  deps: { autodiscover: AutodiscoverService; authenticate: Authenticate; discoveryOnly: boolean },
): void {
  const { autodiscover } = deps

  const root = (req: FastifyRequest, reply: FastifyReply) => {
    const q = req.query as HintQuery
    const hints: DiscoveryHints = {
      originalDomain: q.originalDomain,
      sipUri: q.sipuri ?? q.sipUri,
      domain: q.Domain ?? q.domain,
    }
    return sendRoot(req, reply, autodiscover.root(req.parley.match, req.parley.access, hints))
  }
  app.get(AUTODISCOVER_ROOT_PATH, root)
  // lyncdiscover.<domain>/ is the root too (IIS served it as the default document).
  app.get('/', (req, reply) => {
    if (!req.parley.match.viaDiscoveryName) throw new UcwaError('ResourceNotFound')
    return root(req, reply)
  })
  const xframe = (_req: FastifyRequest, reply: FastifyReply) =>
    reply.type('text/html; charset=utf-8').header('cache-control', 'public, max-age=3600').send(XFRAME_PAGE)
  app.get(XFRAME_PATH, xframe)
  app.get('/xframe', xframe)
  app.get(`${AUTODISCOVER_ROOT_PATH}/domain`, (req, reply) => {
    const urls = autodiscover.urls(req.parley.match.pool, req.parley.access)
    return sendDomain(req, reply, req.parley.access, urls)
  })
  // The port-80 first hop hands out HTTPS links only; credentials never travel over it.
  if (deps.discoveryOnly) return

  // The same token check as every UCWA request (the onRequest hook), then a plain handler.
  const user = (flavour: 'oauth' | 'webticket') => (req: FastifyRequest, reply: FastifyReply) => {
    const doc = autodiscover.user(req.parley.match.pool, req.parley.access, requireSession(req).user)
    return sendUser(req, reply, doc, flavour)
  }
  const authenticated = { onRequest: deps.authenticate.hook }
  app.get(`${AUTODISCOVER_ROOT_PATH}/oauth/user`, authenticated, user('oauth'))
  app.get(`${AUTODISCOVER_ROOT_PATH}/user`, authenticated, user('webticket'))
}

const withDomain = (href: string, domain: string | undefined) =>
  domain ? `${href}?originalDomain=${encodeURIComponent(domain)}` : href

function sendRoot(req: FastifyRequest, reply: FastifyReply, doc: RootDocument): FastifyReply {
  const { urls, accessLocation, originalDomain } = doc
  // The body depends on Accept (JSON, XML, vnd+json): caches must key on it.
  reply.header('vary', 'Accept')
  const format = autodiscoverFormat(req)
  if (format !== 'json') {
    return sendTokens(reply, format, accessLocation, 'Root', [
      ['Domain', urls.domain],
      ['User', urls.user],
      ['OAuth', urls.oauthUser],
      ['Self', urls.root],
      [`${accessLocation}/XFrame`, urls.xframe],
    ])
  }
  return sendJson(
    reply,
    renderedJson(urls, `root ${originalDomain ?? ''}`, () => ({
      _links: {
        self: { href: withDomain(urls.root, originalDomain) },
        user: { href: withDomain(urls.oauthUser, originalDomain) },
        xframe: { href: urls.xframe },
      },
    })),
  )
}

function sendUser(
  req: FastifyRequest,
  reply: FastifyReply,
  doc: UserDocument,
  flavour: 'oauth' | 'webticket',
): FastifyReply {
  // The body depends on Accept (JSON, XML, vnd+json): caches must key on it.
  reply.header('vary', 'Accept')
  const format = autodiscoverFormat(req)
  const self = flavour === 'oauth' ? doc.urls.oauthUser : doc.urls.user
  const ucwa = (u: PoolUrls) => (flavour === 'oauth' ? u.ucwaOAuth : u.ucwa)
  reply.header('cache-control', 'no-cache')
  if (format !== 'json') {
    return sendTokens(
      reply,
      format,
      doc.accessLocation,
      'User',
      doc.kind === 'redirect'
        ? [['Redirect', doc.redirect]]
        : [
            ['Internal/Autodiscover', doc.internal.root],
            ['Internal/Ucwa', ucwa(doc.internal)],
            ['Internal/XFrame', doc.internal.xframe],
            ['External/Autodiscover', doc.external.root],
            ['External/Ucwa', ucwa(doc.external)],
            ['External/XFrame', doc.external.xframe],
            ['Ucwa', ucwa(doc.urls)],
            ['XFrame', doc.urls.xframe],
            ['Self', self],
          ],
    )
  }
  // JSON (the default) names only these.
  const json =
    doc.kind === 'redirect'
      ? renderedJson(doc.urls, `redirect ${flavour} ${doc.redirect}`, () => ({
          _links: { self: { href: self }, redirect: { href: doc.redirect } },
        }))
      : renderedJson(doc.urls, `user ${flavour}`, () => ({
          _links: {
            self: { href: self },
            applications: { href: ucwa(doc.urls), revision: '2' },
            xframe: { href: doc.urls.xframe },
          },
        }))
  return sendJson(reply, json)
}

function sendDomain(
  req: FastifyRequest,
  reply: FastifyReply,
  access: AccessLocation,
  urls: PoolUrls,
): FastifyReply {
  // The body depends on Accept (JSON, XML, vnd+json): caches must key on it.
  reply.header('vary', 'Accept')
  const format = autodiscoverFormat(req)
  if (format !== 'json') {
    return sendTokens(reply, format, access, 'Domain', [
      ['Self', urls.domain],
      [`${access}/XFrame`, urls.xframe],
    ])
  }
  return sendJson(
    reply,
    renderedJson(urls, 'domain', () => ({
      _links: { self: { href: urls.domain }, xframe: { href: urls.xframe } },
    })),
  )
}

const sendJson = (reply: FastifyReply, json: string) =>
  reply.type('application/json; charset=utf-8').send(json)

/** The XML and vnd+json forms: the same token list; built only when one of them is asked for. */
function sendTokens(
  reply: FastifyReply,
  format: 'xml' | 'vnd-json',
  access: AccessLocation,
  element: string,
  tokens: [string, string][],
): FastifyReply {
  return format === 'xml'
    ? reply.type(XML_TYPE).send(autodiscoverXml(access, element, tokens))
    : reply.type(VND_JSON_TYPE).send(vndJson(access, element, tokens))
}

// A JSON document is a pure function of the pool's URLs (one PoolUrls object per origin) and a
// key naming the rest (document, flavour, domain hint, redirect target): rendered once, not per
// request.
// Hints are client input, so each PoolUrls keeps at most MAX_RENDERED of them; beyond that a
// document is rendered every time.
const MAX_RENDERED = 64
const rendered = new WeakMap<PoolUrls, Map<string, string>>()

function renderedJson(urls: PoolUrls, key: string, build: () => unknown): string {
  let bodies = rendered.get(urls)
  if (!bodies) {
    bodies = new Map()
    rendered.set(urls, bodies)
  }
  let json = bodies.get(key)
  if (json === undefined) {
    json = JSON.stringify(build())
    if (bodies.size < MAX_RENDERED) bodies.set(key, json)
  }
  return json
}

function autodiscoverXml(access: AccessLocation, element: string, tokens: [string, string][]): string {
  const links = tokens.map(
    ([token, href]) => `    <Link token="${escapeXml(token)}" href="${escapeXml(href)}" />`,
  )
  return [
    '<?xml version="1.0" encoding="utf-8"?>',
    `<AutodiscoverResponse AccessLocation="${access}">`,
    `  <${element}>`,
    ...links,
    `  </${element}>`,
    '</AutodiscoverResponse>',
    '',
  ].join('\n')
}

// A Buffer, not a string: Fastify rewrites a string reply's JSON-like content type (adds
// `charset`, re-quotes parameters into `v="1"`); the Buffer keeps VND_JSON_TYPE as written.
function vndJson(access: AccessLocation, element: string, tokens: [string, string][]): Buffer {
  return Buffer.from(
    JSON.stringify({
      AccessLocation: access,
      [element]: { Links: tokens.map(([token, href]) => ({ token, href })) },
    }),
  )
}
