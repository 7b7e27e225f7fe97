/**
 * The app icon as the page's favicon: src/renderer/index.html links build/icon.svg (and a 32 px
 * PNG), Vite copies them into assets/ with hashed names, and the web shell serves them under
 * the /app/<token>/ prefix with their image types (the Electron window gets the same files
 * through app://, test/electron/electron-shell.test.ts).
 */
import { existsSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { createEventBus } from '../../src/main/events'
import type { Dispatch } from '../../src/main/dispatch'
import { startWebBridge, type WebBridge } from '../../src/main/web'

const ROOT = resolve('.')
const SOURCE_HTML = join(ROOT, 'src/renderer/index.html')
const BUILT = join(ROOT, 'out/renderer')

/** Each <link rel="icon"> as { type, href }. */
function iconLinks(html: string): Array<{ type?: string; href?: string; sizes?: string }> {
  return [...html.matchAll(/<link\s[^>]*rel="icon"[^>]*>/g)].map(([tag]) => {
    const attr = (name: string): string | undefined => new RegExp(`\\s${name}="([^"]*)"`).exec(tag)?.[1]
    return { type: attr('type'), href: attr('href'), sizes: attr('sizes') }
  })
}

describe('the favicon in the renderer source', () => {
  it('links the app icon as SVG and as a 32 px PNG, both existing files', () => {
    const links = iconLinks(readFileSync(SOURCE_HTML, 'utf8'))
    expect(links).toEqual([
      { type: 'image/svg+xml', href: '../../build/icon.svg', sizes: undefined },
      { type: 'image/png', href: '../../build/icons/32x32.png', sizes: '32x32' },
    ])
    for (const link of links) expect(existsSync(resolve(ROOT, 'src/renderer', link.href as string)), link.href).toBe(true)
  })
})

const built = existsSync(join(BUILT, 'index.html')) ? readFileSync(join(BUILT, 'index.html'), 'utf8') : undefined
const blocked = !built ? `${BUILT} is missing: run \`npm run build\` first (npm test does)` : !iconLinks(built).some((link) => link.type === 'image/svg+xml') ? `${BUILT} was built before the favicon: run \`npm run build\`` : undefined
if (blocked) console.warn(`[favicon] Skipping the served-favicon check: ${blocked}`)

describe.skipIf(Boolean(blocked))('the favicon in web mode (the built renderer, served by src/main/web.ts)', () => {
  let bridge: WebBridge | undefined
  afterAll(async () => {
    await bridge?.close()
  })

  it('is served under the app prefix with its image type and the icon bytes', async () => {
    const dispatch: Dispatch = async () => ({ ok: true, data: null })
    bridge = await startWebBridge({ dispatch, events: createEventBus(), staticDir: BUILT })
    const links = iconLinks(built as string)
    expect(links.map((link) => link.type)).toEqual(['image/svg+xml', 'image/png'])
    const expected = { 'image/svg+xml': readFileSync(join(ROOT, 'build/icon.svg')), 'image/png': readFileSync(join(ROOT, 'build/icons/32x32.png')) }
    for (const link of links) {
      expect(link.href).toMatch(/^\.\/assets\/[\w.-]+\.(svg|png)$/)
      const response = await fetch(new URL(link.href as string, bridge.url))
      expect(response.status).toBe(200)
      expect(response.headers.get('content-type')).toBe(link.type)
      expect(Buffer.from(await response.arrayBuffer()).equals(expected[link.type as keyof typeof expected])).toBe(true)
    }
    // Without the token prefix the icon is not served (the whole app lives under it).
    const bare = await fetch(new URL((links[0]?.href as string).slice(1), bridge.origin))
    expect(bare.status).toBe(401)
  })
})
