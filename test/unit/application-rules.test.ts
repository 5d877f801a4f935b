// Pure application rules: what kind of endpoint an application is, and when it idles out.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  classifyEndpoint,
  DEFAULT_APPLICATIONS,
  idleDeadline,
  isExpired,
} from '../../src/domain/applications/application-rules.ts'
import type { Application } from '../../src/domain/applications/application-types.ts'

const UA = {
  iphone:
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1',
  ipad: 'Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.6 Safari/604.1',
  android:
    'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36',
  androidTablet:
    'Mozilla/5.0 (Linux; Android 13; SM-X700) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
  windowsPhone:
    'Mozilla/5.0 (compatible; MSIE 10.0; Windows Phone 8.0; Trident/6.0; IEMobile/10.0; ARM; Touch; NOKIA; Lumia 920)',
  lyncMobile: 'LyncMobile/6.2.0.0 (iOS)',
  chromeWindows:
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
  firefoxLinux: 'Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0',
  safariMac:
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15',
  script: 'curl/8.5.0',
} as const

describe('classifyEndpoint', () => {
  it('a declared Phone or Tablet type is mobile, whatever the UserAgent', () => {
    assert.equal(classifyEndpoint('Phone', UA.chromeWindows), 'mobile')
    assert.equal(classifyEndpoint('Tablet', UA.script), 'mobile')
    assert.equal(classifyEndpoint('phone', ''), 'mobile')
    assert.equal(classifyEndpoint('TABLET', ''), 'mobile')
    assert.equal(classifyEndpoint('Windows_Phone', ''), 'mobile')
    assert.equal(classifyEndpoint('windows phone', ''), 'mobile')
  })

  it('a declared Desktop type is desktop, even from a phone-like UserAgent', () => {
    assert.equal(classifyEndpoint('Desktop', UA.iphone), 'desktop')
    assert.equal(classifyEndpoint('desktop', ''), 'desktop')
    assert.equal(classifyEndpoint('PC', ''), 'desktop')
    assert.equal(classifyEndpoint('Mac', ''), 'desktop')
  })

  it('a declared Browser type is a browser, even from a phone', () => {
    assert.equal(classifyEndpoint('Browser', UA.iphone), 'browser')
    assert.equal(classifyEndpoint('browser', UA.android), 'browser')
  })

  it('without a type (or with an unknown one), a mobile UserAgent makes it mobile', () => {
    for (const [name, ua] of Object.entries({
      iphone: UA.iphone,
      ipad: UA.ipad,
      android: UA.android,
      androidTablet: UA.androidTablet,
      windowsPhone: UA.windowsPhone,
      lyncMobile: UA.lyncMobile,
    })) {
      assert.equal(classifyEndpoint(undefined, ua), 'mobile', name)
      assert.equal(classifyEndpoint('Something', ua), 'mobile', `${name} with an unknown type`)
      assert.equal(classifyEndpoint('', ua), 'mobile', `${name} with an empty type`)
    }
  })

  it('any other UserAgent is a browser', () => {
    for (const [name, ua] of Object.entries({
      chromeWindows: UA.chromeWindows,
      firefoxLinux: UA.firefoxLinux,
      safariMac: UA.safariMac,
      script: UA.script,
      empty: '',
      // Substrings of mobile words do not count.
      words: 'Biosphere Androidish Automobile',
    })) {
      assert.equal(classifyEndpoint(undefined, ua), 'browser', name)
    }
  })
})

describe('idleDeadline', () => {
  const from = Date.UTC(2026, 0, 1, 12)

  it('uses UCWA’s defaults: 15 minutes for browsers and desktops, a day for mobile', () => {
    assert.deepEqual(DEFAULT_APPLICATIONS.idleTimeoutSeconds, { browser: 900, desktop: 900, mobile: 86_400 })
    assert.equal(idleDeadline('browser', from, DEFAULT_APPLICATIONS), from + 15 * 60_000)
    assert.equal(idleDeadline('desktop', from, DEFAULT_APPLICATIONS), from + 15 * 60_000)
    assert.equal(idleDeadline('mobile', from, DEFAULT_APPLICATIONS), from + 24 * 3_600_000)
  })

  it('follows configured timeouts', () => {
    const settings = { ...DEFAULT_APPLICATIONS, idleTimeoutSeconds: { browser: 60, desktop: 120, mobile: 7 } }
    assert.equal(idleDeadline('browser', from, settings), from + 60_000)
    assert.equal(idleDeadline('desktop', from, settings), from + 120_000)
    assert.equal(idleDeadline('mobile', from, settings), from + 7_000)
  })

  it('an application expires exactly at its deadline', () => {
    const expiresAt = idleDeadline('browser', from, DEFAULT_APPLICATIONS)
    const app = { expiresAt } as Application
    assert.equal(isExpired(app, expiresAt - 1), false)
    assert.equal(isExpired(app, expiresAt), true)
  })
})
