// Checks responses against the admin API's OpenAPI 3.1 document with Ajv (JSON Schema 2020-12),
// and the document itself: its skeleton, every $ref resolving, every schema compiling.
import assert from 'node:assert/strict'
import ajvModule from 'ajv/dist/2020.js'
import type { HttpResponse } from './server.ts'

const Ajv2020 = ajvModule.default

type Json = any

const ISO_DATE_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/

// Enough of OpenAPI 3.1's own schema to catch a malformed document.
const SKELETON = {
  type: 'object',
  required: ['openapi', 'info', 'paths', 'components'],
  properties: {
    openapi: { type: 'string', pattern: '^3\\.1\\.\\d+$' },
    info: { type: 'object', required: ['title', 'version'] },
    jsonSchemaDialect: { type: 'string' },
    paths: {
      type: 'object',
      propertyNames: { pattern: '^/' },
      additionalProperties: {
        type: 'object',
        propertyNames: { enum: ['parameters', 'get', 'put', 'post', 'patch', 'delete', 'summary'] },
        properties: {
          parameters: { type: 'array', items: { $ref: '#/$defs/parameter' } },
        },
        additionalProperties: {
          type: 'object',
          required: ['operationId', 'responses'],
          properties: {
            operationId: { type: 'string' },
            parameters: { type: 'array', items: { $ref: '#/$defs/parameter' } },
            requestBody: { type: 'object', required: ['content'] },
            responses: {
              type: 'object',
              minProperties: 1,
              propertyNames: { pattern: '^[1-5]\\d\\d$' },
              additionalProperties: {
                type: 'object',
                oneOf: [{ required: ['$ref'] }, { required: ['description'] }],
              },
            },
          },
        },
      },
    },
    components: { type: 'object' },
  },
  $defs: {
    parameter: {
      type: 'object',
      required: ['name', 'in', 'schema'],
      properties: { in: { enum: ['path', 'query', 'header', 'cookie'] } },
    },
  },
}

export class OpenApi {
  readonly doc: Json
  readonly #ajv: InstanceType<typeof Ajv2020>

  constructor(doc: Json) {
    this.doc = doc
    // strict: false only because the document (not a schema) is added whole so $refs resolve;
    // each schema is compiled strictly in validateDocument().
    this.#ajv = new Ajv2020({ strict: false, allErrors: true, formats: { 'date-time': ISO_DATE_TIME } })
    this.#ajv.addSchema(doc, 'openapi')
  }

  /** The document's skeleton, its $refs and (strictly compiled) schemas, unique operationIds. */
  validateDocument(): void {
    const skeleton = new Ajv2020({ allErrors: true }).compile(SKELETON)
    const whole: unknown = this.doc // (a fresh name: the validator narrows what it is given)
    assert.ok(skeleton(whole), JSON.stringify(skeleton.errors))
    const ids: string[] = []
    for (const item of Object.values(this.doc.paths as Json)) {
      for (const [method, op] of Object.entries(item as Record<string, Json>))
        if (method !== 'parameters') ids.push(op.operationId)
    }
    assert.equal(new Set(ids).size, ids.length, 'operationIds are unique')
    const strict = new Ajv2020({ strict: true, formats: { 'date-time': ISO_DATE_TIME } })
    // The same schemas under $defs (refs rewritten), so each compiles on its own, strictly.
    const defs = JSON.parse(
      JSON.stringify(this.doc.components.schemas).replaceAll('#/components/schemas/', '#/$defs/'),
    )
    strict.addSchema({ $id: 'components', $defs: defs })
    for (const name of Object.keys(this.doc.components.schemas)) {
      assert.ok(strict.getSchema(`components#/$defs/${name}`), `schema ${name} compiles`)
    }
    const refs = JSON.stringify(this.doc).match(/"\$ref":"[^"]*"/g) ?? []
    for (const ref of refs) {
      const pointer = ref.slice('"$ref":"'.length, -1)
      assert.ok(pointer.startsWith('#/'), pointer)
      let node: unknown = this.doc
      for (const part of pointer.slice(2).split('/')) node = (node as Json | undefined)?.[part]
      assert.ok(node, `${pointer} resolves`)
    }
  }

  /** Asserts `res` is a documented response of `method template` and its body matches. */
  check(res: HttpResponse, method: string, template: string): void {
    const op = this.doc.paths[template]?.[method.toLowerCase()]
    assert.ok(op, `${method} ${template} is documented`)
    let documented = op.responses[String(res.status)]
    assert.ok(documented, `${method} ${template} → ${res.status} is documented (${res.text})`)
    if (documented.$ref) documented = this.doc.components.responses[documented.$ref.split('/').pop()]
    const schema = documented.content?.['application/json']?.schema
    if (!schema) {
      assert.equal(res.text, '', `${res.status} has no body`)
      return
    }
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/)
    const name = String(schema.$ref).split('/').pop()
    const validate = this.#ajv.getSchema(`openapi#/components/schemas/${name}`)
    assert.ok(validate, `schema ${name}`)
    assert.ok(
      validate(res.json),
      `${method} ${template} → ${res.status}: ${JSON.stringify(validate.errors)}\n${res.text}`,
    )
  }
}
