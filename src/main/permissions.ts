/**
 * The window's permission rules, free of Electron so they are unit-tested
 * (test/electron/permissions.test.ts); src/main/index.ts only wires them to the session.
 *
 * Everything is refused except writing text to the clipboard from our own page, in its main
 * frame (the "copy client command" button; the renderer shows the text to select when even
 * that fails). Device access (HID, serial, USB) is refused at every door Electron has:
 * permission checks, `setDevicePermissionHandler`, and the device-chooser events.
 * https://www.electronjs.org/docs/latest/api/session#sessetpermissionrequesthandlerhandler
 * https://www.electronjs.org/docs/latest/tutorial/security#5-handle-session-permission-requests-from-remote-content
 */

/** The only permission Exitdesk's page needs. */
export const CLIPBOARD_WRITE = 'clipboard-sanitized-write'

export type IsTrusted = (url: string) => boolean

/** What Electron tells about the frame asking (PermissionRequest / PermissionCheckHandlerHandlerDetails). */
export interface PermissionFrame {
  isMainFrame: boolean
  /** The last URL the frame loaded; absent for checks not made for a document (e.g. a service worker). */
  requestingUrl?: string
}

/** For `setPermissionRequestHandler`: grant only the clipboard write, only to our page's main frame. */
export function permissionRequestAllowed(trusted: IsTrusted, permission: string, frame: PermissionFrame): boolean {
  return permission === CLIPBOARD_WRITE && frame.isMainFrame && frame.requestingUrl !== undefined && trusted(frame.requestingUrl)
}

/**
 * For `setPermissionCheckHandler`: the same rule. `requestingOrigin` alone is not enough — every
 * file:// page has the same origin — so the frame's own URL decides.
 */
export function permissionCheckAllowed(trusted: IsTrusted, permission: string, frame: PermissionFrame): boolean {
  return permissionRequestAllowed(trusted, permission, frame)
}

/** For `setDevicePermissionHandler`: no page gets a HID, serial or USB device. */
export function devicePermissionAllowed(): boolean {
  return false
}

/** The device-chooser events a session emits, and how each one is answered with "none". */
export interface DeviceChooserSession {
  on(event: 'select-hid-device', listener: (event: { preventDefault(): void }, details: unknown, callback: (deviceId?: string | null) => void) => void): unknown
  on(event: 'select-usb-device', listener: (event: { preventDefault(): void }, details: unknown, callback: (deviceId?: string) => void) => void): unknown
  on(event: 'select-serial-port', listener: (event: { preventDefault(): void }, portList: unknown, webContents: unknown, callback: (portId: string) => void) => void): unknown
}

/**
 * Cancels every device chooser: no argument (HID, USB) or an empty string (serial) is how
 * Electron's docs say a request is cancelled (session events select-hid-device,
 * select-usb-device, select-serial-port).
 */
export function refuseDeviceChoosers(session: DeviceChooserSession): void {
  session.on('select-hid-device', (event, _details, callback) => {
    event.preventDefault()
    callback()
  })
  session.on('select-usb-device', (event, _details, callback) => {
    event.preventDefault()
    callback()
  })
  session.on('select-serial-port', (event, _ports, _contents, callback) => {
    event.preventDefault()
    callback('')
  })
}
