/**
 * The Electron glue of app:// (src/main/app-protocol-handler.ts) against a fake `protocol`:
 * the scheme is registered with exactly its privileges, and the handler answers built files
 * with their type and policy and everything else with a 404. `vi.mock` keeps the real
 * 'electron' package from loading (requiring it tries to download the binary).
 */
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'

const fake = vi.hoisted(() => ({
  privileged: [] as unknown[],
  handlers: new Map<string, (request: { url: string; method: string }) => Promise<Response>>(),
}))

vi.mock('electron', () => ({
  protocol: {
    registerSchemesAsPrivileged: (schemes: unknown[]) => void fake.privileged.push(...schemes),
    handle: (scheme: string, handler: (request: { url: string; method: string }) => Promise<Response>) => void fake.handlers.set(scheme, handler),
  },
}))

const { handleAppScheme, registerAppScheme } = await import('../../src/main/app-protocol-handler')
const { CONTENT_SECURITY_POLICY } = await import('../../src/main/web/security')

let root: string
const get = (url: string, method = 'GET'): Promise<Response> => {
  const handler = fake.handlers.get('app')
  if (!handler) throw new Error('app:// is not handled')
  return handler({ url, method })
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'exitdesk-app-handler-'))
  await mkdir(join(root, 'renderer', 'assets'), { recursive: true })
  await writeFile(join(root, 'renderer', 'index.html'), '<!doctype html><title>Exitdesk</title>')
  await writeFile(join(root, 'renderer', 'assets', 'icon-x.svg'), '<svg/>')
  await writeFile(join(root, 'secret.txt'), 'outside')
  registerAppScheme()
  handleAppScheme(join(root, 'renderer'))
})
afterAll(async () => {
  await rm(root, { recursive: true, force: true })
})

describe('app:// in the Electron shell', () => {
  it('registers app as a standard, secure, fetch-capable scheme', () => {
    expect(fake.privileged).toEqual([{ scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } }])
  })

  it('answers the page and its assets with their bytes, type, nosniff and the page policy', async () => {
    const page = await get('app://exitdesk/index.html')
    expect(page.status).toBe(200)
    expect(await page.text()).toBe('<!doctype html><title>Exitdesk</title>')
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8')
    expect(page.headers.get('x-content-type-options')).toBe('nosniff')
    expect(page.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY)
    const icon = await get('app://exitdesk/assets/icon-x.svg')
    expect(icon.headers.get('content-type')).toBe('image/svg+xml')
    const head = await get('app://exitdesk/index.html', 'HEAD')
    expect(head.status).toBe(200)
    expect(await head.text()).toBe('')
  })

  it.each(['app://exitdesk/../secret.txt', 'app://exitdesk/%2e%2e/secret.txt', 'app://exitdesk/assets/missing.js', 'app://exitdesk/assets', 'app://exitdesk/index.html%00', 'app://x/../../etc/passwd', `app://exitdesk/${encodeURIComponent('/etc/passwd')}`])(
    'answers %s with a bare 404',
    async (url) => {
      const answer = await get(url)
      expect(answer.status).toBe(404)
      expect(await answer.text()).toBe('Not found')
    },
  )

  it('refuses other methods with a 405', async () => {
    expect((await get('app://exitdesk/index.html', 'POST')).status).toBe(405)
  })
})
