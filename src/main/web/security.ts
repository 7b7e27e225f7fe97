/**
 * The local HTTP bridge's gatekeeping, kept apart from routing so each rule is easy to read:
 * Host check (DNS rebinding), Origin check (cross-site requests), and the session token
 * (cookie or header), compared in constant time.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'

export const SESSION_COOKIE = 'exitdesk_session'
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

/** 32 random bytes, base64url: 256 bits, safe in a URL and a cookie without escaping. */
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

/** Any `exitdesk_session` cookie that matches (there may be stale ones from earlier runs). */
export function cookieTokenValid(req: IncomingMessage, token: string): boolean {
  const header = req.headers.cookie
  if (typeof header !== 'string') return false
  let valid = false
  for (const part of header.split(';')) {
    const eq = part.indexOf('=')
    if (eq < 0 || part.slice(0, eq).trim() !== SESSION_COOKIE) continue
    // No early return: every candidate is compared, so timing does not depend on position.
    if (tokenEquals(part.slice(eq + 1).trim(), token)) valid = true
  }
  return valid
}

export function sessionCookie(token: string): string {
  return `${SESSION_COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`
}

export function authenticated(req: IncomingMessage, token: string): boolean {
  return headerTokenValid(req, token) || cookieTokenValid(req, token)
}
