/**
 * The local HTTP bridge's gatekeeping, kept apart from routing so each rule is easy to read:
 * Host check (DNS rebinding), Origin check (cross-site requests), and the per-run token, which
 * travels in the path (`/app/<token>/...`, what the browser uses) or in the x-exitdesk-token
 * header (non-browser clients), always compared in constant time.
 *
 * There is deliberately no cookie: browsers do not separate cookies by port, so a cookie set by
 * 127.0.0.1:PORT would be sent to every other server on 127.0.0.1 the user visits.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'

export const TOKEN_HEADER = 'x-exitdesk-token'

export const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"

/** Headers on every response, whatever its status. */
export function setSecurityHeaders(res: ServerResponse): void {
  res.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY)
  res.setHeader('X-Content-Type-Options', 'nosniff')
  res.setHeader('Referrer-Policy', 'no-referrer')
  res.setHeader('X-Frame-Options', 'DENY')
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin')
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin')
}

/** 32 random bytes, base64url: 256 bits, safe in a URL path segment without escaping. */
export function newToken(): string {
  return randomBytes(32).toString('base64url')
}

/**
 * Constant-time equality. Both sides are hashed first so timingSafeEqual always sees equal
 * lengths and the comparison time does not reveal the token's length either.
 */
export function tokenEquals(candidate: string, token: string): boolean {
  const a = createHash('sha256').update(candidate).digest()
  const b = createHash('sha256').update(token).digest()
  return timingSafeEqual(a, b)
}

/** The host:port pairs this server answers to; anything else is a rebinding attempt. */
export function allowedHosts(port: number): Set<string> {
  return new Set([`127.0.0.1:${port}`, `localhost:${port}`])
}

export function allowedOrigins(port: number): Set<string> {
  return new Set([`http://127.0.0.1:${port}`, `http://localhost:${port}`])
}

export function hostAllowed(req: IncomingMessage, port: number): boolean {
  const host = req.headers.host
  return typeof host === 'string' && allowedHosts(port).has(host.toLowerCase())
}

/** 'absent' when the request carries no Origin; otherwise whether it is ours. */
export function originStatus(req: IncomingMessage, port: number): 'absent' | 'same' | 'foreign' {
  const origin = req.headers.origin
  if (origin === undefined) return 'absent'
  return allowedOrigins(port).has(origin.toLowerCase()) ? 'same' : 'foreign'
}

export function headerTokenValid(req: IncomingMessage, token: string): boolean {
  const value = req.headers[TOKEN_HEADER]
  return typeof value === 'string' && tokenEquals(value, token)
}

/** The path prefix the whole app is served under; the token is its secret part. */
export const APP_PREFIX = '/app/'

export function appBase(token: string): string {
  return `${APP_PREFIX}${token}/`
}

/**
 * Splits a request path (as received, not decoded) into the token segment of `/app/<token>`
 * and the app-relative rest: '/app/T/assets/x.js' -> { token: 'T', rest: '/assets/x.js' },
 * '/app/T' -> { token: 'T', rest: '' }. Undefined for paths outside `/app/`.
 */
export function splitAppPath(path: string): { token: string; rest: string } | undefined {
  if (!path.startsWith(APP_PREFIX)) return undefined
  const end = path.indexOf('/', APP_PREFIX.length)
  if (end < 0) return { token: path.slice(APP_PREFIX.length), rest: '' }
  return { token: path.slice(APP_PREFIX.length, end), rest: path.slice(end) }
}
