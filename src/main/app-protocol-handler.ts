/**
 * The Electron half of app:// (the rules are in ./app-protocol): the scheme is declared
 * privileged before the app is ready, and each request is answered with the built file or a 404.
 * https://www.electronjs.org/docs/latest/api/protocol#protocolhandlescheme-handler
 */
import { readFile } from 'node:fs/promises'
import { protocol } from 'electron'
import { APP_SCHEME, APP_SCHEME_PRIVILEGES, appResponseHeaders, resolveAppRequest } from './app-protocol'
import { CONTENT_SECURITY_POLICY } from './web/security'

/** Must run before `app` is ready: Electron only accepts privileged schemes then. */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { ...APP_SCHEME_PRIVILEGES } }])
}

/**
 * Serves `rendererDir` (out/renderer, inside app.asar when packaged: Electron's fs reads from
 * the archive) on the default session's app:// scheme.
 */
export function handleAppScheme(rendererDir: string): void {
  protocol.handle(APP_SCHEME, async (request) => {
    const target = resolveAppRequest(request.url, rendererDir, request.method)
    if (!target.ok) return new Response(target.status === 405 ? 'Method not allowed' : 'Not found', { status: target.status, headers: { 'Content-Type': 'text/plain; charset=utf-8' } })
    try {
      const body = await readFile(target.path)
      const headers = appResponseHeaders(target.contentType, CONTENT_SECURITY_POLICY)
      return new Response(request.method === 'HEAD' ? null : body, { status: 200, headers })
    } catch {
      // Missing, or a folder: the same answer as a refused path, saying nothing about which.
      return new Response('Not found', { status: 404, headers: { 'Content-Type': 'text/plain; charset=utf-8' } })
    }
  })
}
