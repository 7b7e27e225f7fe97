/**
 * Which page may call the contract and where the window may navigate: our own built renderer,
 * served as app://exitdesk/index.html (src/main/app-protocol.ts), or — in `npm run dev` only —
 * the electron-vite dev server. Kept free of Electron so it is unit-tested
 * (test/electron/ipc.test.ts).
 *
 * file:// is never trusted: the window does not load from it, and every file:// page shares the
 * origin "null", so a file that got itself opened could otherwise pass for ours.
 */

/**
 * @param url            the frame's or navigation's URL
 * @param devServerUrl   ELECTRON_RENDERER_URL in development, undefined in a built app
 * @param entryUrl       the built renderer's page, app://exitdesk/index.html (APP_ENTRY_URL)
 */
export function isTrustedUrl(url: string, devServerUrl: string | undefined, entryUrl: string): boolean {
  const parsed = parse(url)
  if (!parsed) return false
  if (devServerUrl) {
    const dev = parse(devServerUrl)
    // Only an http(s) origin: every file:// and opaque URL has the origin "null", which must never match.
    return dev !== undefined && isHttp(dev) && isHttp(parsed) && parsed.origin === dev.origin
  }
  const expected = parse(entryUrl)
  if (!expected || isHttp(expected) || expected.protocol === 'file:' || !expected.host) return false
  // Exactly the entry page on our scheme and host (query and fragment aside), not any page the
  // scheme would serve. The URL parser has already folded '.' and '..' segments out of both.
  if (parsed.username || parsed.password) return false
  return parsed.protocol === expected.protocol && parsed.host === expected.host && parsed.pathname === expected.pathname
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
