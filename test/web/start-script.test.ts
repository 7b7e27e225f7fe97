/**
 * `npm start` (scripts/start.mjs) on a machine without the Electron binary: it must say so in
 * plain words and fall back to the browser app, which it builds and serves on 127.0.0.1.
 *
 * The scripts run from a scratch copy of the project (scripts, src and build config copied,
 * node_modules linked), because start.mjs rebuilds `out/`: in place, that would empty `out/`
 * under the end-to-end tests running next to this one. start.mjs finds its root from its own
 * location, so the copy builds into its own `out/`.
 */
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { cp, mkdir, mkdtemp, rm, symlink } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { electronBinary } from '../../scripts/electron-binary.mjs'

const ROOT = resolve('.')
const URL_PATTERN = /http:\/\/127\.0\.0\.1:\d+\/app\/[\w-]+\//
const EXPLANATION = 'The Electron binary is not installed here (it could not be downloaded), so Exitdesk starts in your browser instead.'


const binary = electronBinary()
const blocked = binary ? `the Electron binary is installed (${binary}), so npm start would open the desktop window instead of the browser fallback` : undefined
if (blocked) console.warn(`[start-script] Skipping the browser-fallback test: ${blocked}`)

async function scratchCopy(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'exitdesk-start-'))
  await mkdir(join(dir, 'scripts'))
  for (const script of ['start.mjs', 'web.mjs', 'build-current.mjs', 'electron-binary.mjs', 'node-flags.mjs']) await cp(join(ROOT, 'scripts', script), join(dir, 'scripts', script))
  for (const file of ['package.json', 'electron.vite.config.ts', 'tsconfig.json', 'tsconfig.base.json', 'tsconfig.node.json', 'tsconfig.web.json', 'tsconfig.e2e.json']) {
    if (existsSync(join(ROOT, file))) await cp(join(ROOT, file), join(dir, file))
  }
  await cp(join(ROOT, 'src'), join(dir, 'src'), { recursive: true })
  // The page's icon and favicon come from build/.
  await cp(join(ROOT, 'build'), join(dir, 'build'), { recursive: true })
  await symlink(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir')
  return dir
}

/** True while any process of the group is alive. */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0)
    return true
  } catch {
    return false
  }
}

describe.skipIf(Boolean(blocked))('npm start without the Electron binary', () => {
  it('explains why, builds, and serves the browser app at the printed address', async () => {
    const project = await scratchCopy()
    const dataDir = join(project, 'data')
    // Its own process group (detached): start.mjs runs web.mjs, which runs the build and then
    // out/main/web.js, and the whole group is stopped at the end.
    const child = spawn(process.execPath, [join(project, 'scripts', 'start.mjs')], {
      cwd: project,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, EXITDESK_DATA_DIR: dataDir, EXITDESK_PORT: '0', EXITDESK_SECRET_STORE: 'memory' },
    })
    let stdout = ''
    let stderr = ''
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    const exited = new Promise<void>((done) => child.once('exit', () => done()))

    try {
      const url = await new Promise<string>((found, fail) => {
        const timer = setTimeout(() => fail(new Error(`No address after 120 s.\nstdout:\n${stdout}\nstderr:\n${stderr}`)), 120_000)
        const check = (): void => {
          const match = URL_PATTERN.exec(stdout)
          if (!match) return
          clearTimeout(timer)
          found(match[0])
        }
        child.stdout?.on('data', check)
        child.once('exit', (code) => {
          clearTimeout(timer)
          fail(new Error(`start.mjs exited (${code}) before printing an address.\nstdout:\n${stdout}\nstderr:\n${stderr}`))
        })
      })

      expect(stdout).toContain(EXPLANATION)
      expect(stdout.indexOf(EXPLANATION)).toBeLessThan(stdout.indexOf(url))
      expect(stdout).toContain(`Data folder: ${dataDir}`)

      // The printed address serves the app itself: the token is part of its path, no cookie.
      const page = await fetch(url, { redirect: 'manual' })
      expect(page.status).toBe(200)
      expect(page.headers.get('content-type')).toMatch(/text\/html/)
      expect(page.headers.get('set-cookie')).toBeNull()
      const html = await page.text()
      expect(html).toContain('<title>Exitdesk</title>')
      expect(html).toContain('<div id="root"></div>')
      const script = /<script type="module"[^>]+src="(\.\/assets\/[^"]+\.js)"/.exec(html)
      expect(script).not.toBeNull()
      // The bundle's relative URL resolves under the secret prefix and is served there.
      const bundle = await fetch(new URL(script?.[1] ?? '', url), { redirect: 'manual' })
      expect(bundle.status).toBe(200)
      expect(bundle.headers.get('content-type')).toMatch(/javascript/)

      // Without the prefix the app is not served.
      expect((await fetch(new URL('/', url), { redirect: 'manual' })).status).toBe(401)
    } finally {
      if (child.pid && groupAlive(child.pid)) process.kill(-child.pid, 'SIGTERM')
      const deadline = Date.now() + 10_000
      while (child.pid && groupAlive(child.pid) && Date.now() < deadline) await new Promise((done) => setTimeout(done, 100))
      if (child.pid && groupAlive(child.pid)) process.kill(-child.pid, 'SIGKILL')
      await exited
      await rm(project, { recursive: true, force: true })
    }
  }, 150_000)
})
