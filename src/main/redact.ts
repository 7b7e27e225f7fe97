/**
 * The one redactor on every path out of main: envelopes (dispatch.ts), events (events.ts), the
 * ledger (store/ledger.ts) and the console (log.ts). Main registers each secret the moment it
 * learns it (a credential typed into a form, one read from the keychain, a tunnel token made or
 * read); from then on any text leaving main has every known form of it replaced by [redacted].
 *
 * Why main cannot simply "not copy secrets": clouds and gateways repeat what they were sent.
 * A 401 body that quotes the Authorization header, an HTML 502 page that prints the request, a
 * 422 that quotes the user_data it refused (which holds the tunnel token) all reach us as the
 * provider's words, and those words are shown to the user and recorded.
 *
 * Forms matched, for each secret: as is; JSON-escaped; percent-encoded (encodeURIComponent,
 * with upper- or lower-case hex) and form-encoded (URLSearchParams); HTML-escaped; standard and
 * URL-safe base64, padded or not. Base64 is also matched *inside* a longer base64 text (say
 * base64("Bearer <token>") or a Basic credential "user:<token>"): the secret then starts at
 * byte offset 0, 1 or 2 of a 3-byte group, and for each offset the run of base64 characters
 * that depends only on the secret's bytes is a fixed string. At most two bytes at either end of
 * the secret stay decodable there.
 *
 * Cost: the forms are combined into RegExp alternations, rebuilt lazily after the set of secrets
 * changes, so redacting a string is one regex pass per PATTERN_SOURCE_LIMIT characters of
 * pattern (about ten secrets a pass); with no secret known it is a no-op.
 */

export const REDACTED = '[redacted]'
/** Shorter values are not secrets worth the false positives (and no credential is that short). */
export const MIN_SECRET_LENGTH = 8
/**
 * V8 stops compiling a RegExp to fast native code past some size: measured on Node 20, a 20 KB
 * alternation of secrets scans 46 KB in 0.4 ms, a 25 KB one in 16 ms. Longer alternations are
 * split into patterns of at most this many characters, each one pass.
 */
const PATTERN_SOURCE_LIMIT = 10_000

export class Redactor {
  private readonly secrets = new Set<string>()
  /** undefined: not built since the last change; empty: nothing to redact. */
  private patterns: RegExp[] | undefined = []

  /** Registers a secret; values that are not strings or are shorter than MIN_SECRET_LENGTH are ignored. */
  remember(secret: unknown): void {
    if (typeof secret !== 'string' || secret.length < MIN_SECRET_LENGTH || this.secrets.has(secret)) return
    this.secrets.add(secret)
    this.patterns = undefined
  }

  /** Registers every value of a credential record (every field is treated as secret: an access key id is half a key pair). */
  rememberAll(values: Record<string, unknown>): void {
    for (const value of Object.values(values)) this.remember(value)
  }

  redactText(text: string): string {
    let clean = text
    for (const pattern of this.compiled()) clean = clean.replace(pattern, REDACTED)
    return clean
  }

  /**
   * A copy of `value` with every string (object keys too) redacted; plain objects and arrays are
   * walked, anything else (numbers, booleans, null, class instances) is kept as it is. Parts
   * with nothing to redact keep their identity, so the common case allocates nothing.
   */
  redactDeep<T>(value: T): T {
    if (this.compiled().length === 0) return value
    return this.walk(value, new Map()) as T
  }

  private walk(value: unknown, seen: Map<object, unknown>): unknown {
    if (typeof value === 'string') return this.redactText(value)
    if (typeof value !== 'object' || value === null) return value
    const done = seen.get(value)
    if (done !== undefined) return done
    if (Array.isArray(value)) {
      const copy: unknown[] = []
      seen.set(value, copy)
      let changed = false
      for (const item of value) {
        const clean = this.walk(item, seen)
        changed ||= clean !== item
        copy.push(clean)
      }
      return this.settle(value, copy, changed, seen)
    }
    if (!isPlainObject(value)) return value
    const copy: Record<string, unknown> = {}
    seen.set(value, copy)
    let changed = false
    for (const [key, item] of Object.entries(value)) {
      const cleanKey = this.redactText(key)
      const clean = this.walk(item, seen)
      changed ||= cleanKey !== key || clean !== item
      copy[cleanKey] = clean
    }
    return this.settle(value, copy, changed, seen)
  }

  /** Keeps the original when nothing inside it changed. */
  private settle(original: object, copy: object, changed: boolean, seen: Map<object, unknown>): unknown {
    if (changed) return copy
    seen.set(original, original)
    return original
  }

  private compiled(): RegExp[] {
    if (this.patterns !== undefined) return this.patterns
    const forms = new Set<string>()
    for (const secret of this.secrets) for (const form of encodedForms(secret)) forms.add(form)
    // Longest first: where a short form is a prefix of a long one (base64 with and without
    // padding), the alternation must take the long one.
    const alternatives = [...forms].filter((form) => form.length >= MIN_SECRET_LENGTH).sort((a, b) => b.length - a.length)
    const sources: string[] = []
    for (const alternative of alternatives.map(escapeRegExp)) {
      const last = sources.length - 1
      if (last >= 0 && sources[last]!.length + alternative.length < PATTERN_SOURCE_LIMIT) sources[last] += `|${alternative}`
      else sources.push(alternative)
    }
    this.patterns = sources.map((source) => new RegExp(source, 'g'))
    return this.patterns
  }
}

/** Every spelling of `secret` that the redactor replaces (see the header). */
export function encodedForms(secret: string): string[] {
  const forms = [secret, JSON.stringify(secret).slice(1, -1), htmlEscape(secret)]
  const percent = encodeURIComponent(secret)
  forms.push(percent, percent.replace(/%[0-9A-F]{2}/g, (escape) => escape.toLowerCase()))
  forms.push(new URLSearchParams({ s: secret }).toString().slice(2))
  const bytes = Buffer.from(secret, 'utf8')
  const standard = bytes.toString('base64')
  forms.push(standard, standard.replace(/=+$/, ''), bytes.toString('base64url'))
  for (const core of base64Cores(bytes)) forms.push(core, toBase64Url(core))
  return [...new Set(forms)]
}

/**
 * For each offset 0..2 at which the secret may start inside a 3-byte group of a longer base64
 * text: the base64 characters fixed by the secret's bytes alone. The first group is dropped
 * when other bytes share it (offset > 0), and so is a last group the secret does not fill.
 */
function base64Cores(bytes: Buffer): string[] {
  const cores: string[] = []
  for (let offset = 0; offset < 3; offset++) {
    const length = offset + bytes.length
    const encoded = Buffer.concat([Buffer.alloc(offset), bytes]).toString('base64')
    cores.push(encoded.slice(offset === 0 ? 0 : 4, Math.floor(length / 3) * 4))
  }
  return cores
}

function toBase64Url(standard: string): string {
  return standard.replace(/\+/g, '-').replace(/\//g, '_')
}

function htmlEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;')
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&')
}

function isPlainObject(value: object): value is Record<string, unknown> {
  const prototype = Object.getPrototypeOf(value) as unknown
  return prototype === Object.prototype || prototype === null
}

/** The process-wide redactor every path out of main uses. */
export const redactor = new Redactor()
