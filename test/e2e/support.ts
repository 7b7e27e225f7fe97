/**
 * End-to-end support: the built web shell (`out/main/web.js`, what `npm run web` serves) in a
 * child process with its own data folder and keychain service, driven by Debian's Chromium
 * through playwright-core.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll } from 'vitest'
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core'
import type { FakeDigitalOcean } from '../fakes/digitalocean'

export const CHROMIUM = process.env.EXITDESK_CHROMIUM ?? '/usr/bin/chromium'
export const WEB_ENTRY = resolve('out/main/web.js')
export const SCREENSHOT_DIR = resolve('test-results/screenshots')

/** Why the browser tests cannot run here, or undefined when they can. */
export function browserTestsBlocked(): string | undefined {
  if (!existsSync(CHROMIUM)) return `Chromium is not installed at ${CHROMIUM} (apt-get install chromium).`
  if (!existsSync(WEB_ENTRY)) return `${WEB_ENTRY} is missing: run \`npm run build\` first (npm test does).`
  return undefined
}

export interface RunningApp {
  /** The printed address, http://127.0.0.1:PORT/app/<token>/ (the token is part of the path). */
  url: string
  /** http://127.0.0.1:PORT, without the secret path. */
  origin: string
  dataDir: string
  output: () => string
  stop(): Promise<void>
}

export interface StartOptions {
  /** A data folder to start from (e.g. one already holding hosts) instead of a new empty one. */
  dataDir?: string
}

export async function startWebApp(env: Record<string, string> = {}, options: StartOptions = {}): Promise<RunningApp> {
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'exitdesk-e2e-')))
  const child: ChildProcess = spawn(process.execPath, [WEB_ENTRY], {
    env: {
      ...process.env,
      EXITDESK_DATA_DIR: dataDir,
      EXITDESK_PORT: '0',
      // A keychain service of its own, so a run never touches a user's Exitdesk entries.
      EXITDESK_KEYCHAIN_SERVICE: `exitdesk-e2e-${randomBytes(4).toString('hex')}`,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()))
  const url = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`The web shell did not print its URL:\n${output}`)), 20_000)
    const check = (): void => {
      const match = /http:\/\/127\.0\.0\.1:\d+\/app\/[\w-]+\//.exec(output)
      if (match) {
        clearTimeout(timer)
        resolveUrl(match[0])
      }
    }
    child.stdout?.on('data', check)
    child.once('exit', (code) => reject(new Error(`The web shell exited (${code}):\n${output}`)))
  })
  return {
    url,
    origin: new URL(url).origin,
    dataDir,
    output: () => output,
    stop: () =>
      new Promise<void>((done) => {
        if (child.exitCode !== null) return done()
        child.once('exit', () => done())
        child.kill('SIGTERM')
      }),
  }
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  })
}

export async function openApp(browser: Browser, app: RunningApp): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 } })
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: app.origin })
  // Actions wait at most 15 s: a stuck step fails with its own message, well inside the test's time.
  context.setDefaultTimeout(15_000)
  const page = await context.newPage()
  await page.goto(app.url)
  return { context, page }
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await mkdir(SCREENSHOT_DIR, { recursive: true })
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`), fullPage: true })
}

export async function clipboardText(page: Page): Promise<string> {
  return page.evaluate<string>('navigator.clipboard.readText()')
}

/**
 * Calls a channel of the running app as a non-browser client does (the run's token in the
 * x-exitdesk-token header), e.g. to add an account pointed at a fake before the page opens.
 * Throws with main's message when the envelope is not ok.
 */
export async function invokeApp<T>(app: RunningApp, channel: string, input: unknown): Promise<T> {
  const token = /\/app\/([\w-]+)\//.exec(app.url)?.[1]
  if (!token) throw new Error(`No token in ${app.url}`)
  const response = await fetch(`${app.origin}/api/invoke/${channel}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-exitdesk-token': token },
    body: JSON.stringify(input),
  })
  const envelope = (await response.json()) as { ok: true; data: T } | { ok: false; error: { message: string } }
  if (!envelope.ok) throw new Error(`${channel}: ${envelope.error.message}`)
  return envelope.data
}

/**
 * Puts `count` running droplets carrying Exitdesk's tags straight into the fake's state (no
 * create calls), as bench/scale.ts does: an account pointed at the fake adopts them as "found
 * in cloud". Spread over regions and over the last days, each with an address from the
 * documentation range 198.51.100.0/24, which the tunnel probe never contacts.
 */
export function seedDroplets(fake: FakeDigitalOcean, count: number, firstId = 7_000_000): void {
  const regions = ['lon1', 'fra1', 'nyc3', 'sgp1', 'ams3']
  for (let n = 0; n < count; n++) {
    const id = firstId + n
    fake.state.droplets.set(id, {
      id,
      name: `exit-many-${String(n).padStart(5, '0')}`,
      region: regions[n % regions.length]!,
      size: 's-1vcpu-512mb-10gb',
      image: 'ubuntu-24-04-x64',
      tags: ['exitdesk', `exitdesk-host-many-${n}`],
      ipv6Requested: false,
      monitoring: false,
      status: 'active',
      // One a minute, the first newest: the table (newest first) lists them in seeding order.
      createdAtMs: fake.now() - 3_600_000 - n * 60_000,
      gets: 0,
      ipv4: `198.51.100.${(n % 250) + 1}`,
      getsSinceDelete: 0,
    })
  }
}

/** Polls `check` until it returns true, outside a test body too (expect.poll needs one); throws naming `what` after `timeoutMs`. */
export async function waitUntil(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 30_000, intervalMs = 200): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}.`)
    await new Promise((done) => setTimeout(done, intervalMs))
  }
}

/** Opens a page of the window through its navigation (Hosts, Accounts, Settings), as a user would. */
export async function goToPage(page: Page, name: 'hosts' | 'accounts' | 'settings'): Promise<void> {
  await page.getByTestId(`nav-${name}`).click()
  await page.locator('#page-title').filter({ hasText: { hosts: 'Hosts', accounts: 'Accounts', settings: 'Settings' }[name] }).waitFor()
}

/** Hosts page → "New host": the create dialog, open. */
export async function openNewHost(page: Page): Promise<void> {
  await goToPage(page, 'hosts')
  await page.getByTestId('new-host-open').click()
  await page.getByTestId('create-submit').waitFor()
}

/** Accounts page → "Add account": the account dialog, open. */
export async function openAddAccount(page: Page): Promise<void> {
  await goToPage(page, 'accounts')
  await page.getByTestId('account-add-open').click()
  await page.getByTestId('account-save').waitFor()
}

/**
 * Does a row's action by its test id: the row's primary button when it is that one, otherwise
 * the same item in the row's "More actions" menu.
 */
export async function rowAction(row: Locator, testId: string): Promise<void> {
  const direct = row.getByTestId(testId)
  if ((await direct.count()) > 0 && (await direct.first().isVisible())) {
    await direct.first().click()
    return
  }
  await row.getByTestId('host-menu').click()
  await row.page().getByRole('menu').getByTestId(testId).click()
}

/**
 * Why `what` (e.g. "the Azure browser test") cannot run here, printed, or undefined when it
 * can. Under CI a missing browser or build is a failure, never a silent skip.
 */
export function browserTestSkipReason(what: string): string | undefined {
  const blocked = browserTestsBlocked()
  if (blocked && process.env.CI) throw new Error(`End-to-end tests must run in CI: ${blocked}`)
  if (blocked) console.warn(`[e2e] Skipping ${what}: ${blocked}`)
  return blocked
}

/**
 * A fresh web shell (own data folder and keychain service) and Chromium for the surrounding
 * describe block: started before its tests, stopped after. Read them through the getters.
 */
export function withWebAppAndBrowser(env: Record<string, string> = {}): { app: () => RunningApp; browser: () => Browser } {
  let app: RunningApp | undefined
  let browser: Browser | undefined
  beforeAll(async () => {
    app = await startWebApp(env)
    browser = await launchBrowser()
  })
  afterAll(async () => {
    await browser?.close()
    await app?.stop()
  })
  const started = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`The ${what} has not started (beforeAll failed).`)
    return value
  }
  return { app: () => started(app, 'web shell'), browser: () => started(browser, 'browser') }
}
