// SIP URIs and the sign-in name forms clients send to the token endpoint.
import assert from 'node:assert/strict'
import { describe, it, mock } from 'node:test'
import type { SipUri } from '../../src/domain/ids.ts'
import { addressOf, domainOf, parseSipUri, signInNameToSipUri } from '../../src/domain/users/sip-uri.ts'

describe('parseSipUri', () => {
  it('accepts a bare user@domain and canonicalises it to sip:', () => {
    assert.equal(parseSipUri('alice@example.test'), 'sip:alice@example.test')
  })

  it('accepts the sip: prefix in any case and lower-cases the whole URI', () => {
    assert.equal(parseSipUri('sip:alice@example.test'), 'sip:alice@example.test')
    assert.equal(parseSipUri('SIP:alice@example.test'), 'sip:alice@example.test')
    assert.equal(parseSipUri('Sip:Alice@Example.Test'), 'sip:alice@example.test')
    assert.equal(parseSipUri('ALICE@EXAMPLE.TEST'), 'sip:alice@example.test')
  })

  it('trims surrounding whitespace', () => {
    assert.equal(parseSipUri('  alice@example.test\n'), 'sip:alice@example.test')
  })

  it('accepts the usual user-part characters and multi-label domains', () => {
    assert.equal(parseSipUri('first.last+tag@sub.example.test'), 'sip:first.last+tag@sub.example.test')
    assert.equal(parseSipUri("o'neil_x-y@my-host.example.test"), "sip:o'neil_x-y@my-host.example.test")
  })

  it('rejects text that is not a plain SIP address', () => {
    for (const bad of [
      '',
      '   ',
      'sip:',
      'alice',
      'alice@',
      '@example.test',
      'alice@example', // a domain needs at least two labels
      'alice@@example.test',
      'alice@exa mple.test',
      'al ice@example.test',
      'alice@-example.test',
      'alice@example-.test',
      'alice@example..test',
      'alice@example.test.',
      'sip:sip:alice@example.test',
      'sips:alice@example.test',
      'tel:+14255550100',
      'alice@example.test;transport=tls',
      '<sip:alice@example.test>',
      'EXAMPLE\\alice',
      'älice@example.test',
    ]) {
      assert.equal(parseSipUri(bad), undefined, `${JSON.stringify(bad)} should be refused`)
    }
  })

  it('refuses over-long input (more than 256 characters of address)', () => {
    const domain = '@example.test'
    const fits = `${'a'.repeat(256 - domain.length)}${domain}`
    assert.equal(fits.length, 256)
    assert.equal(parseSipUri(fits), `sip:${fits}`)
    assert.equal(parseSipUri(`sip:${fits}`), `sip:${fits}`, 'the sip: prefix does not count')
    assert.equal(parseSipUri(`a${fits}`), undefined)
    // A huge input is refused by its length rather than fed to the regular expression: the
    // lengths of the strings the expression is asked to test, counted (the address that fits
    // shows the count sees them).
    const tested: number[] = []
    const test = RegExp.prototype.test
    const spy = mock.method(RegExp.prototype, 'test', function (this: RegExp, input: string) {
      tested.push(String(input).length)
      return test.call(this, input)
    })
    try {
      assert.equal(parseSipUri(fits), `sip:${fits}`)
      assert.equal(parseSipUri(`${'a'.repeat(1_000_000)}@example.test`), undefined)
      assert.equal(parseSipUri(`alice@${'a.'.repeat(500_000)}test`), undefined)
    } finally {
      spy.mock.restore()
    }
    assert.ok(tested.includes(256), `the address that fits was tested: ${tested.join(' ')}`)
    assert.ok(
      tested.every((length) => length <= 256),
      `only inputs of at most 256 characters reach a regular expression: ${tested.join(' ')}`,
    )
  })
})

describe('addressOf and domainOf', () => {
  const uri = 'sip:alice@example.test' as SipUri

  it('addressOf strips the sip: scheme', () => {
    assert.equal(addressOf(uri), 'alice@example.test')
  })

  it('domainOf returns the host part', () => {
    assert.equal(domainOf(uri), 'example.test')
    assert.equal(domainOf('sip:bob@sub.other.test' as SipUri), 'sub.other.test')
  })

  it('round-trips with parseSipUri', () => {
    const parsed = parseSipUri('SIP:Carol@Other.Test')
    assert.ok(parsed)
    assert.equal(addressOf(parsed), 'carol@other.test')
    assert.equal(domainOf(parsed), 'other.test')
    assert.equal(parseSipUri(addressOf(parsed)), parsed)
  })
})

describe('signInNameToSipUri', () => {
  const domains = ['example.test', 'contoso.com', 'fabrikam.org']
  const def = 'example.test'

  it('accepts user@domain, sip: and SIP: forms, lower-cased', () => {
    assert.equal(signInNameToSipUri('alice@contoso.com', domains, def), 'sip:alice@contoso.com')
    assert.equal(signInNameToSipUri('sip:alice@contoso.com', domains, def), 'sip:alice@contoso.com')
    assert.equal(signInNameToSipUri('SIP:Alice@Contoso.COM', domains, def), 'sip:alice@contoso.com')
  })

  it('does not restrict user@domain names to the configured domains (the directory decides)', () => {
    assert.equal(signInNameToSipUri('eve@elsewhere.test', domains, def), 'sip:eve@elsewhere.test')
  })

  it('maps DOMAIN\\user by the first label of a SIP domain, case-insensitively', () => {
    assert.equal(signInNameToSipUri('CONTOSO\\alice', domains, def), 'sip:alice@contoso.com')
    assert.equal(signInNameToSipUri('contoso\\Alice', domains, def), 'sip:alice@contoso.com')
    assert.equal(signInNameToSipUri('Fabrikam\\bob', domains, def), 'sip:bob@fabrikam.org')
    assert.equal(signInNameToSipUri('EXAMPLE\\carol', domains, def), 'sip:carol@example.test')
  })

  it('falls back to the default domain when the NetBIOS name matches no SIP domain', () => {
    assert.equal(signInNameToSipUri('CORP\\alice', domains, def), 'sip:alice@example.test')
    assert.equal(signInNameToSipUri('CORP\\alice', domains, 'contoso.com'), 'sip:alice@contoso.com')
    // The whole domain name is not a first label.
    assert.equal(signInNameToSipUri('contoso.com\\alice', domains, def), 'sip:alice@example.test')
  })

  it('refuses malformed down-level names', () => {
    for (const bad of [
      '\\alice', // no domain
      'CONTOSO\\', // no user
      'CONTOSO\\alice@contoso.com', // both forms at once
      'CONTOSO\\al ice',
      'CONTOSO\\alice\\x',
      '\\',
    ]) {
      assert.equal(
        signInNameToSipUri(bad, domains, def),
        undefined,
        `${JSON.stringify(bad)} should be refused`,
      )
    }
  })

  it('refuses garbage and over-long names', () => {
    for (const bad of ['', 'alice', 'not an address', '@', 'a@b', '<script>@x.test']) {
      assert.equal(
        signInNameToSipUri(bad, domains, def),
        undefined,
        `${JSON.stringify(bad)} should be refused`,
      )
    }
    assert.equal(signInNameToSipUri(`${'a'.repeat(300)}@contoso.com`, domains, def), undefined)
    assert.equal(signInNameToSipUri(`CONTOSO\\${'a'.repeat(300)}`, domains, def), undefined)
  })
})
