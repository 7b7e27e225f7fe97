/**
 * app:// → file rules (src/main/app-protocol.ts): what the Electron window may load, and every
 * way out of the renderer folder refused. Runs against a real folder on disk, so a path that
 * resolved outside it would show here.
 */
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, sep } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { APP_ENTRY_URL, APP_ORIGIN, APP_SCHEME_PRIVILEGES, appResponseHeaders, resolveAppRequest } from '../../src/main/app-protocol'

let base: string
let root: string

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'exitdesk-app-protocol-'))
  root = join(base, 'renderer')
  await mkdir(join(root, 'assets'), { recursive: true })
  await writeFile(join(root, 'index.html'), '<!doctype html>')
  await writeFile(join(root, 'assets', 'index-abc.js'), 'export {}')
  // A sibling whose name starts like the root: a prefix check without the separator would let it through.
  await mkdir(join(base, 'renderer-secrets'))
  await writeFile(join(base, 'renderer-secrets', 'token.txt'), 'secret')
})
afterAll(async () => {
  await rm(base, { recursive: true, force: true })
})

describe('resolveAppRequest', () => {
  it('maps the entry page, / and the bundles to files inside the renderer folder, with their types', () => {
    expect(APP_ENTRY_URL).toBe('app://exitdesk/index.html')
    expect(resolveAppRequest(APP_ENTRY_URL, root)).toEqual({ ok: true, path: join(root, 'index.html'), contentType: 'text/html; charset=utf-8' })
    expect(resolveAppRequest(`${APP_ORIGIN}/`, root)).toMatchObject({ ok: true, path: join(root, 'index.html') })
    expect(resolveAppRequest(`${APP_ORIGIN}/assets/index-abc.js?v=1#x`, root)).toEqual({ ok: true, path: join(root, 'assets', 'index-abc.js'), contentType: 'text/javascript; charset=utf-8' })
    expect(resolveAppRequest(`${APP_ORIGIN}/assets/icon-x.svg`, root)).toMatchObject({ ok: true, contentType: 'image/svg+xml' })
    expect(resolveAppRequest(`${APP_ORIGIN}/assets/32x32-x.png`, root)).toMatchObject({ ok: true, contentType: 'image/png' })
    expect(resolveAppRequest(`${APP_ORIGIN}/assets/index.css`, root)).toMatchObject({ ok: true, contentType: 'text/css; charset=utf-8' })
    expect(resolveAppRequest(`${APP_ORIGIN}/assets/blob.bin`, root)).toMatchObject({ ok: true, contentType: 'application/octet-stream' })
    expect(resolveAppRequest(`${APP_ORIGIN}/assets/my%20file.js`, root)).toMatchObject({ ok: true, path: join(root, 'assets', 'my file.js') })
    expect(resolveAppRequest('APP://EXITDESK/index.html', root)).toMatchObject({ ok: true })
  })

  it.each([
    ['raw ..', 'app://exitdesk/../../etc/passwd'],
    ['.. after a folder', 'app://exitdesk/assets/../../../etc/passwd'],
    ['.. into a sibling folder', 'app://exitdesk/../renderer-secrets/token.txt'],
    ['encoded %2e%2e', 'app://exitdesk/%2e%2e/%2e%2e/etc/passwd'],
    ['encoded %2E%2E with an encoded slash', 'app://exitdesk/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd'],
    ['a single . segment', 'app://exitdesk/./index.html'],
    ['an absolute path (empty segment)', 'app://exitdesk//etc/passwd'],
    ['an encoded absolute path', 'app://exitdesk/%2Fetc%2Fpasswd'],
    ['a NUL', 'app://exitdesk/index.html%00.png'],
    ['a backslash', 'app://exitdesk/..%5C..%5Cetc%5Cpasswd'],
    ['a Windows drive', 'app://exitdesk/C:/Windows/win.ini'],
    ['an encoded Windows drive', 'app://exitdesk/C%3A%5CWindows%5Cwin.ini'],
    ['a path that does not decode', 'app://exitdesk/%E0%A4%A'],
    ['another host', 'app://x/../../etc/passwd'],
    ['another host, same path', 'app://evil/index.html'],
    ['a host that only starts like ours', 'app://exitdesk.evil/index.html'],
    ['a user name before the host', 'app://user@exitdesk/index.html'],
    ['a port', 'app://exitdesk:80/index.html'],
    ['another scheme', 'file:///etc/passwd'],
    ['http', 'http://exitdesk/index.html'],
    ['no path at all', 'app://exitdesk'],
  ])('refuses %s with a 404', (_name, url) => {
    const result = resolveAppRequest(url, root)
    expect(result).toMatchObject({ ok: false, status: 404 })
  })

  it('never resolves outside the folder for any mix of dots, slashes and escapes', () => {
    const pieces = ['..', '.', '%2e', '%2E', '%2e%2e', '%2f', '/', '%5c', 'etc', 'passwd', '', '%00']
    let checked = 0
    for (const a of pieces) {
      for (const b of pieces) {
        for (const c of pieces) {
          const result = resolveAppRequest(`app://exitdesk/${a}/${b}/${c}`, root)
          if (result.ok) expect(result.path.startsWith(root + sep), result.path).toBe(true)
          checked += 1
        }
      }
    }
    expect(checked).toBe(pieces.length ** 3)
  })

  it('answers only GET and HEAD', () => {
    expect(resolveAppRequest(APP_ENTRY_URL, root, 'HEAD')).toMatchObject({ ok: true })
    expect(resolveAppRequest(APP_ENTRY_URL, root, 'POST')).toMatchObject({ ok: false, status: 405 })
  })
})

describe('the scheme and its answers', () => {
  it('is standard, secure and fetch-capable, and nothing more', () => {
    expect(APP_SCHEME_PRIVILEGES).toEqual({ standard: true, secure: true, supportFetchAPI: true })
  })

  it('sends the type, nosniff and the page policy on every file', () => {
    expect(appResponseHeaders('image/png', "default-src 'self'")).toEqual({
      'Content-Type': 'image/png',
      'X-Content-Type-Options': 'nosniff',
      'Content-Security-Policy': "default-src 'self'",
      'Cache-Control': 'no-cache',
    })
  })
})
