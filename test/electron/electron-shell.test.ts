/**
 * The real Electron shell (out/main/index.js), launched by playwright-core's `_electron`, on
 * machines that have the Electron binary. It checks what only Electron can show: the window's
 * isolation as the page sees it, the preload bridge, IPC to the core, that new windows are
 * refused, and that the page comes from app:// (src/main/app-protocol.ts), which serves the
 * built files and nothing outside them. Everything else is the same core and renderer, tested in web mode by test/e2e.
 *
 * The binary is found the way scripts/start.mjs finds it (path.txt), never by require('electron'),
 * which tries to download a missing binary.
 */
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { _electron, type ElectronApplication, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { electronBinary } from '../../scripts/electron-binary.mjs'
import { openNewHost } from '../e2e/support'

const ROOT = resolve('.')
const MAIN_ENTRY = resolve('out/main/index.js')


const binary = electronBinary()
const hasDisplay = process.platform !== 'linux' || Boolean(process.env.DISPLAY || process.env.WAYLAND_DISPLAY)
const blocked = !binary
  ? 'Electron binary not installed (it cannot be downloaded here) — the same app is tested in web mode by test/e2e'
  : !hasDisplay
    ? 'no display for the Electron window (run the tests under xvfb-run) — the same app is tested in web mode by test/e2e'
    : !existsSync(MAIN_ENTRY)
      ? `${MAIN_ENTRY} is missing: run \`npm run build\` first (npm test does)`
      : undefined
if (blocked) console.warn(`[electron] Skipping the Electron shell test: ${blocked}`)

/** The parent's environment minus what would point the shell elsewhere (a dev server, plain-Node mode). */
function childEnv(extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {}
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && key !== 'ELECTRON_RENDERER_URL' && key !== 'ELECTRON_RUN_AS_NODE') env[key] = value
  }
  return { ...env, ...extra }
}

interface Envelope {
  ok: boolean
  data?: unknown
  error?: { code: string }
}

describe.skipIf(Boolean(blocked))('Electron shell (real binary)', () => {
  let app: ElectronApplication
  let page: Page
  let dataDir: string

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'exitdesk-electron-'))
    app = await _electron.launch({
      executablePath: binary as string,
      args: [MAIN_ENTRY],
      cwd: ROOT,
      env: childEnv({ EXITDESK_DATA_DIR: dataDir, EXITDESK_SECRET_STORE: 'memory' }),
      timeout: 60_000,
    })
    page = await app.firstWindow({ timeout: 30_000 })
    await page.waitForLoadState('domcontentloaded')
    page.setDefaultTimeout(15_000)
  })
  afterAll(async () => {
    await app?.close()
    if (dataDir) await rm(dataDir, { recursive: true, force: true })
  })

  it('opens one window titled Exitdesk on the built renderer, served as app://exitdesk/index.html', async () => {
    await expect.poll(() => page.title()).toBe('Exitdesk')
    const titles = await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows().map((window) => window.getTitle()))
    expect(titles).toEqual(['Exitdesk'])
    expect(page.url()).toBe('app://exitdesk/index.html')
    // A secure context with an origin of its own ('self' in the page's policy means only the app).
    expect(await page.evaluate<string>('location.origin')).toBe('app://exitdesk')
    expect(await page.evaluate<boolean>('window.isSecureContext')).toBe(true)
  })

  it('serves the built files with their types, the policy header, and a 404 for anything outside them', async () => {
    const probe = (url: string): Promise<{ status: number; type: string | null; csp: string | null }> =>
      page.evaluate<{ status: number; type: string | null; csp: string | null }, string>(
        (target) => fetch(target).then((r) => ({ status: r.status, type: r.headers.get('content-type'), csp: r.headers.get('content-security-policy') })),
        url,
      )
    const index = await probe('app://exitdesk/index.html')
    expect(index).toMatchObject({ status: 200, type: 'text/html; charset=utf-8' })
    expect(index.csp).toContain("script-src 'self'")
    const icon = await page.evaluate<string | null>("document.querySelector('link[rel=icon][type=\"image/svg+xml\"]')?.getAttribute('href') ?? null")
    expect(icon).toMatch(/^\.\/assets\/icon-.*\.svg$/)
    expect(await probe(new URL(icon as string, 'app://exitdesk/index.html').href)).toMatchObject({ status: 200, type: 'image/svg+xml' })
    for (const url of ['app://exitdesk/%2e%2e/%2e%2e/etc/passwd', 'app://exitdesk/..%2F..%2Fetc%2Fpasswd', 'app://exitdesk//etc/passwd', 'app://exitdesk/index.html%00', 'app://exitdesk/assets/missing.js']) {
      expect((await probe(url)).status, url).toBe(404)
    }
  })

  it('gives the page no Node, and exactly window.exitdesk = { invoke, on }', async () => {
    // Strings, not functions: this file is type-checked without the DOM library.
    expect(await page.evaluate<string>('typeof require')).toBe('undefined')
    expect(await page.evaluate<string>('typeof process')).toBe('undefined')
    expect(await page.evaluate<string>('typeof module')).toBe('undefined')
    expect(await page.evaluate<string[]>('Object.keys(window.exitdesk).sort()')).toEqual(['invoke', 'on'])
    expect(await page.evaluate<string[]>("['invoke', 'on'].map((key) => typeof window.exitdesk[key])")).toEqual(['function', 'function'])
  })

  it('reaches the core over IPC: clouds:list lists the simulated cloud', async () => {
    const answer = await page.evaluate<Envelope>("window.exitdesk.invoke('clouds:list', {})")
    expect(answer.ok).toBe(true)
    expect(answer.data).toEqual(expect.arrayContaining([expect.objectContaining({ id: 'simulator', simulated: true })]))
    // An unknown channel has no handler in main: the invoke fails instead of reaching anything.
    await expect(page.evaluate("window.exitdesk.invoke('no:such-channel', {})")).rejects.toThrow()
  })

  it('refuses new windows and navigation away from the app', async () => {
    // Not an https URL: those are handed to the user's browser, which a test must not open.
    expect(await page.evaluate<boolean>("window.open('about:blank') === null")).toBe(true)
    await page.evaluate("void (location.href = 'file:///etc/hosts')")
    await new Promise((done) => setTimeout(done, 500))
    expect(page.url()).toBe('app://exitdesk/index.html')
    expect(app.windows()).toHaveLength(1)
  })

  it('creates a host on the simulated cloud and shows it active', async () => {
    await page.getByTestId('new-host-open').waitFor({ timeout: 15_000 })
    await openNewHost(page)
    await expect.poll(() => page.getByTestId('create-account').inputValue(), { timeout: 15_000 }).toBe('simulated')
    await page.getByTestId('create-submit').click()
    const row = page.getByTestId('host-row').first()
    await expect.poll(() => row.getAttribute('data-state'), { timeout: 30_000 }).toBe('active')
  }, 60_000)
})
