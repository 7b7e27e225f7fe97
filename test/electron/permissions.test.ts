/**
 * The Electron window's rules without Electron: which links go to the browser
 * (src/main/external-links.ts) and which permissions and devices a page gets
 * (src/main/permissions.ts). src/main/index.ts only wires these into the session.
 */
import { describe, expect, it, vi } from 'vitest'
import { DIGITALOCEAN_MANIFEST } from '../../src/main/clouds/digitalocean/manifest'
import { simulatorManifest } from '../../src/main/clouds/simulator/manifest'
import { allowedExternalHosts, isAllowedExternal } from '../../src/main/external-links'
import { CLIPBOARD_WRITE, devicePermissionAllowed, permissionCheckAllowed, permissionRequestAllowed, refuseDeviceChoosers, type DeviceChooserSession } from '../../src/main/permissions'

const manifests = [simulatorManifest, DIGITALOCEAN_MANIFEST]
const OUR_PAGE = 'app://exitdesk/index.html'
const trusted = (url: string) => url === OUR_PAGE

describe('external links', () => {
  it('allows exactly the hosts the manifests and the help name', () => {
    expect([...allowedExternalHosts(manifests)].sort()).toEqual(['cloud.digitalocean.com', 'docs.digitalocean.com', 'docs.inlets.dev', 'inlets.dev', 'releases.ubuntu.com'])
    expect(isAllowedExternal('https://cloud.digitalocean.com/account/api/tokens', manifests)).toBe(true)
    expect(isAllowedExternal('https://docs.digitalocean.com/reference/api/', manifests)).toBe(true)
    expect(isAllowedExternal('https://docs.inlets.dev/tutorial/', manifests)).toBe(true)
    expect(isAllowedExternal('https://DOCS.DigitalOcean.com/x', manifests)).toBe(true) // host names are not case-sensitive
  })

  it.each([
    ['any other https host', 'https://example.com/'],
    ['a look-alike suffix', 'https://docs.digitalocean.com.evil.example/'],
    ['a look-alike prefix', 'https://evil-inlets.dev/'],
    ['a sub-domain not named', 'https://www.docs.inlets.dev/'],
    ['user info', 'https://user@docs.digitalocean.com/'],
    ['user info hiding the host', 'https://docs.digitalocean.com:pw@evil.example/'],
    ['another port', 'https://docs.digitalocean.com:8443/'],
    ['plain http', 'http://docs.digitalocean.com/'],
    ['a file URL', 'file:///etc/passwd'],
    ['a custom scheme', 'ms-settings:privacy'],
    ['javascript', 'javascript:alert(1)'],
    ['not a URL', 'docs.digitalocean.com'],
  ])('refuses %s', (_what, url) => {
    expect(isAllowedExternal(url, manifests)).toBe(false)
  })

  it('names nothing until the manifests are known but the help hosts', () => {
    expect(isAllowedExternal('https://cloud.digitalocean.com/', [])).toBe(false)
    expect(isAllowedExternal('https://inlets.dev/', [])).toBe(true)
  })
})

describe('permissions', () => {
  it('grants only the clipboard write, only to our page, only in its main frame', () => {
    for (const decide of [permissionRequestAllowed, permissionCheckAllowed]) {
      expect(decide(trusted, CLIPBOARD_WRITE, { isMainFrame: true, requestingUrl: OUR_PAGE })).toBe(true)
      expect(decide(trusted, CLIPBOARD_WRITE, { isMainFrame: false, requestingUrl: OUR_PAGE })).toBe(false)
      expect(decide(trusted, CLIPBOARD_WRITE, { isMainFrame: true, requestingUrl: 'https://example.com/' })).toBe(false)
      expect(decide(trusted, CLIPBOARD_WRITE, { isMainFrame: true })).toBe(false)
      for (const permission of ['clipboard-read', 'media', 'geolocation', 'notifications', 'hid', 'serial', 'usb', 'openExternal', 'fullscreen']) {
        expect(decide(trusted, permission, { isMainFrame: true, requestingUrl: OUR_PAGE })).toBe(false)
      }
    }
  })

  it('refuses every device, and cancels every device chooser', () => {
    expect(devicePermissionAllowed()).toBe(false)
    const listeners = new Map<string, (...args: unknown[]) => void>()
    const session = { on: (event: string, listener: (...args: unknown[]) => void) => listeners.set(event, listener) } as unknown as DeviceChooserSession
    refuseDeviceChoosers(session)
    expect([...listeners.keys()].sort()).toEqual(['select-hid-device', 'select-serial-port', 'select-usb-device'])
    for (const [event, listener] of listeners) {
      const preventDefault = vi.fn()
      const callback = vi.fn()
      if (event === 'select-serial-port') listener({ preventDefault }, [{ portId: 'COM1' }], {}, callback)
      else listener({ preventDefault }, { deviceList: [{ deviceId: 'd1' }] }, callback)
      expect(preventDefault).toHaveBeenCalledOnce()
      // No device chosen: an empty call (HID, USB) or '' (serial) cancels the request.
      expect(callback.mock.calls).toEqual([event === 'select-serial-port' ? [''] : []])
    }
  })
})
