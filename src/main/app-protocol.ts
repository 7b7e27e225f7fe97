/**
 * The app:// scheme the Electron window loads the renderer from, instead of file://: which URL
 * maps to which built file, or to a refusal. Free of Electron so it is unit-tested
 * (test/unit/app-protocol.test.ts); src/main/app-protocol-handler.ts wires it to `protocol.handle`.
 *
 * Why a scheme of our own: a file:// page shares the origin "null" with every other file and,
 * unless a fuse says otherwise, may read other files; an app://exitdesk page has an origin of
 * its own, so 'self' in the page's Content-Security-Policy means exactly the built renderer.
 * https://www.electronjs.org/docs/latest/tutorial/security#18-avoid-usage-of-the-file-protocol-and-prefer-usage-of-custom-protocols
 * https://www.electronjs.org/docs/latest/api/protocol#protocolhandlescheme-handler
 */
import { resolve, sep } from 'node:path'
import { contentType } from './web/static'

export const APP_SCHEME = 'app'
/** One fixed host: the origin is app://exitdesk, and a URL naming any other host is refused. */
export const APP_HOST = 'exitdesk'
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`
/** What the window loads. */
export const APP_ENTRY_URL = `${APP_ORIGIN}/index.html`

/**
 * `protocol.registerSchemesAsPrivileged` for app://: standard (relative URLs and an origin, as
 * for http), secure (a secure context, like https, so 'self' and clipboard writes work), and
 * the Fetch API. Nothing more: no CORS bypass, no service workers, no stream/range support the
 * page does not use.
 * https://www.electronjs.org/docs/latest/api/protocol#protocolregisterschemesasprivilegedcustomschemes
 */
export const APP_SCHEME_PRIVILEGES = { standard: true, secure: true, supportFetchAPI: true } as const

export type AppRequestResult =
  | { ok: true; path: string; contentType: string }
  | { ok: false; status: 404 | 405; reason: string }

/**
 * The file under `root` (the built renderer folder) that `url` names, or why not.
 *
 * Refused rather than normalized: another scheme or host, a path that does not decode, any '.'
 * or '..' segment (raw or %2e-encoded), a backslash, a colon (a Windows drive or stream), a NUL,
 * an empty segment ('//etc/passwd'), and anything whose resolved path is not inside `root`.
 * Chromium already folds '..' out of a standard URL before the handler sees it; the checks here
 * do not rely on that. `/` is index.html; nothing else falls back to it (the page has no routes
 * in its path), so a missing bundle is a 404, not HTML.
 */
export function resolveAppRequest(url: string, root: string, method = 'GET'): AppRequestResult {
  if (method !== 'GET' && method !== 'HEAD') return { ok: false, status: 405, reason: 'only GET and HEAD' }
  const prefix = `${APP_ORIGIN}/`
  // The raw text, before any URL parser folds '..' away; scheme and host compared without case, as URLs do.
  if (url.slice(0, prefix.length).toLowerCase() !== prefix) return refuse('another scheme or host')
  const rawPath = url.slice(prefix.length - 1).split(/[?#]/, 1)[0] ?? '/'
  let decoded: string
  try {
    decoded = decodeURIComponent(rawPath)
  } catch {
    return refuse('a path that does not decode')
  }
  if (/[\0\\:]/.test(decoded)) return refuse('a NUL, backslash or colon')
  const segments = decoded.split('/').slice(1)
  const relative = decoded === '/' ? ['index.html'] : segments
  if (relative.some((segment) => segment === '' || segment === '.' || segment === '..')) return refuse('an empty, . or .. segment')

  const rootPath = resolve(root)
  const path = resolve(rootPath, ...relative)
  if (!path.startsWith(rootPath + sep)) return refuse('outside the renderer folder')
  return { ok: true, path, contentType: contentType(path) }
}

function refuse(reason: string): AppRequestResult {
  return { ok: false, status: 404, reason }
}

/**
 * Headers on every app:// answer. The page's policy is the one the web shell sends for the same
 * files (src/main/web/security.ts), so both shells enforce the same rules even before the
 * page's own <meta> policy is parsed; nosniff keeps a file from being read as another type.
 */
export function appResponseHeaders(type: string, csp: string): Record<string, string> {
  return { 'Content-Type': type, 'X-Content-Type-Options': 'nosniff', 'Content-Security-Policy': csp, 'Cache-Control': 'no-cache' }
}
