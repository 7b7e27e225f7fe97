/**
 * Static files for the web build, served only from inside one folder. The request path (the
 * part after the /app/<token> prefix) is decoded once, resolved, and both the resolved path
 * and its real path (symlinks followed) must stay inside the folder; anything else is a 404.
 *
 * An unknown name directly under the app root (`/hosts`) falls back to index.html. Deeper
 * unknown paths (`/hosts/abc`, `/assets/missing.js`) do not: the page loads its bundles and
 * calls the API with URLs relative to itself, which only resolve under the prefix when the
 * page sits directly in it, and a missing bundle should be a 404, not HTML.
 */
import { createReadStream } from 'node:fs'
import { realpath, stat } from 'node:fs/promises'
import { extname, resolve, sep } from 'node:path'
import type { IncomingMessage, ServerResponse } from 'node:http'

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json; charset=utf-8',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
}

export function contentType(file: string): string {
  return CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream'
}

export type StaticResult = 'served' | 'outside' | 'missing'

/**
 * Serves `rawPath` (the URL path exactly as received, before any normalization) from `root`.
 * Returns without writing anything: 'outside' when the path tries to leave `root`, 'missing'
 * when there is no such file and no fallback.
 */
export async function serveStatic(req: IncomingMessage, res: ServerResponse, root: string, rawPath: string): Promise<StaticResult> {
  const rootReal = await realpath(root)
  let decoded: string
  try {
    decoded = decodeURIComponent(rawPath)
  } catch {
    return 'outside'
  }
  // Refuse rather than normalize: a '..' segment, a backslash or a NUL is never a real asset.
  if (decoded.includes('\0') || decoded.includes('\\') || decoded.split('/').includes('..')) return 'outside'

  const candidate = await insideRoot(rootReal, resolve(rootReal, '.' + decoded))
  if (candidate === 'outside') return 'outside'
  if (candidate === undefined && decoded.lastIndexOf('/') !== 0) return 'missing'
  const file = candidate ?? (await insideRoot(rootReal, resolve(rootReal, 'index.html')))
  if (file === undefined) return 'missing'
  if (file === 'outside') return 'outside'

  const info = await stat(file)
  res.statusCode = 200
  res.setHeader('Content-Type', contentType(file))
  res.setHeader('Content-Length', info.size)
  // index.html names the hashed bundles, so it must be revalidated; the bundles themselves may be cached.
  res.setHeader('Cache-Control', file.endsWith('.html') ? 'no-cache' : 'private, max-age=3600')
  if (req.method === 'HEAD') {
    res.end()
    return 'served'
  }
  await new Promise<void>((done) => {
    const stream = createReadStream(file)
    stream.on('error', () => {
      res.destroy()
      done()
    })
    res.on('close', () => {
      stream.destroy()
      done()
    })
    stream.pipe(res)
  })
  return 'served'
}

/** The real path of a regular file inside root; undefined when absent; 'outside' when it escapes. */
async function insideRoot(rootReal: string, path: string): Promise<string | undefined | 'outside'> {
  if (path !== rootReal && !path.startsWith(rootReal + sep)) return 'outside'
  try {
    const real = await realpath(path)
    if (real === rootReal) return undefined // the folder itself: fall back to index.html
    if (!real.startsWith(rootReal + sep)) return 'outside'
    return (await stat(real)).isFile() ? real : undefined
  } catch {
    return undefined
  }
}
