// The XML representation of UCWA resources (Accept: application/xml; docs/protocol.md §10.4).
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { renderUcwaXml } from '../../src/http/hal/xml.ts'

describe('UCWA XML', () => {
  it('names each resource by its self href; one without a self link gets no href attribute', () => {
    const xml = renderUcwaXml({
      rel: 'messagingInvitation',
      state: 'Failed',
      _links: { self: { href: '/ucwa/oauth/v1/applications/1/communication/messagingInvitations/7' } },
      _embedded: {
        from: {
          name: 'Bob',
          rel: 'participant',
          _links: { contact: { href: '/ucwa/oauth/v1/applications/1/people/bob@example.test' } },
        },
      },
    })
    assert.match(
      xml,
      /<resource rel="messagingInvitation" href="\/ucwa\/oauth\/v1\/applications\/1\/communication\/messagingInvitations\/7" xmlns=/,
    )
    assert.match(xml, /<resource rel="from">/)
    assert.doesNotMatch(xml, /href=""/)
  })
})
