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
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'

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

export async function startWebApp(env: Record<string, string> = {}): Promise<RunningApp> {
  const dataDir = await mkdtemp(join(tmpdir(), 'exitdesk-e2e-'))
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
