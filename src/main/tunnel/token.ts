/**
 * The shared secret between an exit server and its inlets-pro client.
 *
 * 64 characters of base62 (about 381 bits). Upstream inletsctl also generates 64 characters
 * (https://github.com/inlets/inletsctl/blob/master/cmd/create.go, `generateAuth`), and inlets
 * asks for "at least 32 bytes of random data" now that the token also anchors auto-TLS
 * (https://inlets.dev/blog/2026/07/13/hardening-auto-tls.html). Base62 is chosen over base64
 * because the token is pasted into a shell command and a cloud-init script: with no `+`, `/`,
 * `=`, quotes or `$`, it needs no escaping in bash, PowerShell or cmd.exe.
 */
import { randomBytes } from 'node:crypto'
import { invalidInput } from '../../shared/errors'

export const TOKEN_LENGTH = 64
export const TOKEN_ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'

const ALPHABET_SIZE = TOKEN_ALPHABET.length // 62
/** The largest multiple of 62 that fits in a byte (248): bytes at or above it are discarded. */
const ACCEPT_BELOW = Math.floor(256 / ALPHABET_SIZE) * ALPHABET_SIZE
const TOKEN_PATTERN = new RegExp(`^[0-9A-Za-z]{${TOKEN_LENGTH}}$`)

/**
 * A fresh token from the operating system's CSPRNG. Unbiased: `byte % 62` alone would favour
 * the first 8 characters (256 is not a multiple of 62), so bytes >= 248 are rejected and
 * redrawn instead (rejection sampling; about 3% of bytes are thrown away).
 */
export function generateTunnelToken(): string {
  let token = ''
  while (token.length < TOKEN_LENGTH) {
    // Draw a little more than needed so one call almost always suffices.
    for (const byte of randomBytes(TOKEN_LENGTH + 16)) {
      if (byte >= ACCEPT_BELOW) continue
      token += TOKEN_ALPHABET[byte % ALPHABET_SIZE]
      if (token.length === TOKEN_LENGTH) break
    }
  }
  return token
}

/** True for a string of the exact shape generateTunnelToken produces. */
export function isTunnelToken(value: unknown): value is string {
  return typeof value === 'string' && TOKEN_PATTERN.test(value)
}

/**
 * Guards every place a token is written into a script or a command: anything else could
 * break out of its quotes. The message never repeats the value (it is a secret).
 */
export function assertTunnelToken(value: unknown, field = 'token'): asserts value is string {
  if (!isTunnelToken(value)) {
    throw invalidInput(field, `The tunnel token must be ${TOKEN_LENGTH} letters and digits.`)
  }
}
