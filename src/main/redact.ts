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
 * Cost: every form is at least MIN_SECRET_LENGTH characters, so a text is scanned once with a
 * rolling hash of its last MIN_SECRET_LENGTH characters; only where that hash is the hash of
 * some form's first characters is the form compared. A scan is linear in the text whatever the
 * number of secrets (a RegExp alternation of hundreds of tunnel tokens is not: V8 stops
 * compiling large ones to native code, and 300 hosts' tokens made one `hosts:list` take
 * ~0.3 s). Texts already redacted since the last new secret are answered from a bounded memo:
 * the host table sends the same strings again and again. With no secret known it is a no-op.
 */

export const REDACTED = '[redacted]'
/** Shorter values are not secrets worth the false positives (and no credential is that short). */
export const MIN_SECRET_LENGTH = 8
/** Redacted texts remembered between changes of the secret set (the host table repeats itself). */
const MEMO_LIMIT = 50_000

export class Redactor {
  private readonly secrets = new Set<string>()
  /** undefined: not built since the last change. */
  private matcher: FormMatcher | undefined = new FormMatcher([])
  private readonly memo = new Map<string, string>()
  private secretsAdded = 0

  /** Goes up whenever a secret is added: text redacted before may need redacting again. */
  get generation(): number {
    return this.secretsAdded
  }

  /** Registers a secret; values that are not strings or are shorter than MIN_SECRET_LENGTH are ignored. */
  remember(secret: unknown): void {
    if (typeof secret !== 'string' || secret.length < MIN_SECRET_LENGTH || this.secrets.has(secret)) return
    this.secrets.add(secret)
    this.secretsAdded += 1
    this.matcher = undefined
    this.memo.clear()
  }

  /** Registers every value of a credential record (every field is treated as secret: an access key id is half a key pair). */
  rememberAll(values: Record<string, unknown>): void {
    for (const value of Object.values(values)) this.remember(value)
  }

  redactText(text: string): string {
    const matcher = this.built()
    if (matcher.empty || text.length < MIN_SECRET_LENGTH) return text
    const known = this.memo.get(text)
    if (known !== undefined) return known
    const clean = matcher.replaceAll(text, REDACTED)
    if (this.memo.size >= MEMO_LIMIT) this.memo.clear()
    this.memo.set(text, clean)
    return clean
  }

  /**
   * `value` with every string (object keys too) redacted; plain objects and arrays are walked,
   * anything else (numbers, booleans, null, class instances) is kept as it is. Copies are made
   * only along the paths that hold something to redact, and clean parts keep their identity:
   * the common case, nothing to redact, walks without allocating and returns `value` itself.
   */
  redactDeep<T>(value: T): T {
    if (this.built().empty || !this.needsRedaction(value, new Set())) return value
    return this.copyRedacted(value, new Map()) as T
  }

  /** True when some string or key inside `value` would change. */
  private needsRedaction(value: unknown, seen: Set<object>): boolean {
    if (typeof value === 'string') return this.redactText(value) !== value
    if (typeof value !== 'object' || value === null || seen.has(value)) return false
    seen.add(value)
    if (Array.isArray(value)) {
      for (const item of value) if (this.needsRedaction(item, seen)) return true
      return false
    }
    if (!isPlainObject(value)) return false
    for (const key in value) {
      if (!Object.hasOwn(value, key)) continue
      if (this.redactText(key) !== key || this.needsRedaction(value[key], seen)) return true
    }
    return false
  }

  private copyRedacted(value: unknown, copies: Map<object, unknown>): unknown {
    if (typeof value === 'string') return this.redactText(value)
    if (typeof value !== 'object' || value === null) return value
    const done = copies.get(value)
    if (done !== undefined) return done
    // A clean part keeps its identity (only the path to a secret is copied).
    if (!this.needsRedaction(value, new Set())) return value
    if (Array.isArray(value)) {
      const copy: unknown[] = []
      copies.set(value, copy)
      for (const item of value) copy.push(this.copyRedacted(item, copies))
      return copy
    }
    if (!isPlainObject(value)) return value
    const copy: Record<string, unknown> = {}
    copies.set(value, copy)
    for (const [key, item] of Object.entries(value)) copy[this.redactText(key)] = this.copyRedacted(item, copies)
    return copy
  }

  private built(): FormMatcher {
    if (this.matcher !== undefined) return this.matcher
    const forms = new Set<string>()
    for (const secret of this.secrets) for (const form of encodedForms(secret)) if (form.length >= MIN_SECRET_LENGTH) forms.add(form)
    this.matcher = new FormMatcher([...forms])
    return this.matcher
  }
}

/** Window of the rolling hash: every form is at least this long, so its first WINDOW characters index it. */
const WINDOW = MIN_SECRET_LENGTH
const BASE = 31
/** BASE^(WINDOW-1), the weight of the character that leaves the window. */
const LEAVING = Array.from({ length: WINDOW - 1 }).reduce<number>((power) => Math.imul(power, BASE), 1)

/** Polynomial hash (32-bit) of text[at, at + WINDOW). */
function windowHash(text: string, at: number): number {
  let hash = 0
  for (let i = at; i < at + WINDOW; i++) hash = (Math.imul(hash, BASE) + text.charCodeAt(i)) | 0
  return hash
}

/**
 * Finds many fixed strings in one left-to-right pass (Rabin-Karp with one window length): at
 * each position, only forms whose first WINDOW characters hash like the text's are compared.
 * Leftmost match first, and at one position the longest form first (base64 with its padding
 * wins over the same text without), as a longest-first alternation would.
 */
class FormMatcher {
  private readonly byHash = new Map<number, string[]>()
  readonly empty: boolean

  constructor(forms: string[]) {
    this.empty = forms.length === 0
    for (const form of [...forms].sort((a, b) => b.length - a.length)) {
      const hash = windowHash(form, 0)
      const bucket = this.byHash.get(hash)
      if (bucket) bucket.push(form)
      else this.byHash.set(hash, [form])
    }
  }

  replaceAll(text: string, replacement: string): string {
    let parts: string[] | undefined
    let copiedUpTo = 0
    let at = 0
    let hash = windowHash(text, 0)
    while (at + WINDOW <= text.length) {
      const found = this.byHash.get(hash)?.find((form) => text.startsWith(form, at))
      if (found) {
        ;(parts ??= []).push(text.slice(copiedUpTo, at), replacement)
        at += found.length
        copiedUpTo = at
        if (at + WINDOW <= text.length) hash = windowHash(text, at)
        continue
      }
      if (at + WINDOW < text.length) hash = (Math.imul((hash - Math.imul(text.charCodeAt(at), LEAVING)) | 0, BASE) + text.charCodeAt(at + WINDOW)) | 0
      at += 1
    }
    if (!parts) return text
    parts.push(text.slice(copiedUpTo))
    return parts.join('')
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

function isPlainObject(value: object): value is Record<string, unknown> {
  const prototype = Object.getPrototypeOf(value) as unknown
  return prototype === Object.prototype || prototype === null
}

/** The process-wide redactor every path out of main uses. */
export const redactor = new Redactor()
