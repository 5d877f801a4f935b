// docs/errors.md must list every error in the catalogue with its real status, code and subcode.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'
import { ERRORS, type ErrorName } from '../../src/domain/errors.ts'
import { STATUS_OF } from '../../src/http/errors.ts'

const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8')
const section = doc.slice(doc.indexOf('## UCWA errors'), doc.indexOf('## Token endpoint errors'))
const rows = new Map(
  section
    .split('\n')
    .filter((line) => /^\| [A-Za-z]+ \| \d{3} \|/.test(line))
    .map((line) => {
      const [name, status, code, subcode] = line
        .split('|')
        .slice(1, 5)
        .map((c) => c.trim())
      return [name ?? '', { status: Number(status), code, subcode: subcode || undefined }]
    }),
)

test('every catalogued error is documented with its status, code and subcode', () => {
  for (const [name, entry] of Object.entries(ERRORS) as [ErrorName, (typeof ERRORS)[ErrorName]][]) {
    const row = rows.get(name)
    assert.ok(row, `docs/errors.md lacks ${name}`)
    assert.equal(row.status, STATUS_OF[entry.code], `${name}: status`)
    assert.equal(row.code, entry.code, `${name}: code`)
    assert.equal(row.subcode, 'subcode' in entry ? entry.subcode : undefined, `${name}: subcode`)
  }
})

test('docs/errors.md lists no error the catalogue lacks', () => {
  for (const name of rows.keys()) assert.ok(name in ERRORS, `docs/errors.md lists unknown error ${name}`)
})
