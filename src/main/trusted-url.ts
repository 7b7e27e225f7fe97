/**
 * Which page may call the contract and where the window may navigate: our own built renderer
 * file, or — in `npm run dev` only — the electron-vite dev server. Kept free of Electron so it is
 * unit-tested (test/electron/ipc.test.ts).
 */
import { pathToFileURL } from 'node:url'

/**
 * @param url            the frame's or navigation's URL
 * @param devServerUrl   ELECTRON_RENDERER_URL in development, undefined in a built app
 * @param rendererFile   absolute path of the built renderer's index.html
 */
export function isTrustedUrl(url: string, devServerUrl: string | undefined, rendererFile: string): boolean {
  const parsed = parse(url)
  if (!parsed) return false
  if (devServerUrl) {
    const dev = parse(devServerUrl)
    // Only an http(s) origin: every file:// and opaque URL has the origin "null", which must never match.
    return dev !== undefined && isHttp(dev) && isHttp(parsed) && parsed.origin === dev.origin
  }
  if (parsed.protocol !== 'file:') return false
  // Exactly the renderer's index.html, not any file that happens to be called renderer/index.html.
  const expected = pathToFileURL(rendererFile)
  const same = (a: string, b: string): boolean => (process.platform === 'win32' ? a.toLowerCase() === b.toLowerCase() : a === b)
  return parsed.host === expected.host && same(decoded(parsed.pathname), decoded(expected.pathname))
}

function parse(url: string): URL | undefined {
  try {
    return new URL(url)
  } catch {
    return undefined
  }
}

function isHttp(url: URL): boolean {
  return url.protocol === 'http:' || url.protocol === 'https:'
}

/** Chromium and pathToFileURL may escape different characters; compare the decoded paths. */
function decoded(pathname: string): string {
  try {
    return decodeURIComponent(pathname)
  } catch {
    return pathname
  }
}
