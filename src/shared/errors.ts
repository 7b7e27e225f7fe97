/**
 * Errors cross the process boundary as data, never as thrown objects: Electron would turn a
 * thrown error into "Error invoking remote method ..." (the Podman Desktop lesson).
 */

export const ERROR_CODES = [
  'invalid-input',
  'unauthorized',
  'forbidden',
  'not-found',
  'conflict',
  'unprocessable',
  'rate-limited',
  'provider-unavailable',
  'timeout',
  'network',
  'keyring-unavailable',
  'unknown-channel',
  'forbidden-sender',
  'internal',
] as const
export type ErrorCode = (typeof ERROR_CODES)[number]

export interface AppErrorInfo {
  code: ErrorCode
  /** A plain sentence for the user. */
  message: string
  /** The provider's own words, when a cloud answered. Never Exitdesk's own diagnostics: those go in `detail`. */
  providerMessage?: string
  /**
   * Exitdesk's own diagnostic, when no provider said anything: e.g. the local network error
   * "connect ECONNREFUSED 127.0.0.1:9" or "getaddrinfo ENOTFOUND api.example.com".
   */
  detail?: string
  /** True when the same request may succeed if tried again later. */
  retryable: boolean
  /** For invalid-input: the dotted path of the field at fault, e.g. "tunnel.domains.0". */
  field?: string
  /** For rate-limited: seconds the provider asked us to wait. */
  retryAfterSeconds?: number
  /**
   * Whether the cloud may have carried the call out although it failed: 'unknown' for a
   * mutating call that timed out, broke, got a 5xx or an answer that was not the provider's;
   * 'none' when it certainly did nothing (a read, a refused connection). Absent: judged by
   * `code` (see `outcomeUnknown`).
   */
  outcome?: 'unknown' | 'none'
}

export type Envelope<T> = { ok: true; data: T } | { ok: false; error: AppErrorInfo }

/** An error that already knows how to explain itself to the user. */
export class AppError extends Error {
  readonly info: AppErrorInfo
  constructor(info: AppErrorInfo) {
    super([info.message, info.providerMessage && `(${info.providerMessage})`, info.detail && `(details: ${info.detail})`].filter(Boolean).join(' '))
    this.name = 'AppError'
    this.info = info
  }
}

export function invalidInput(field: string, message: string): AppError {
  return new AppError({ code: 'invalid-input', field, message, retryable: false })
}

/**
 * Whether a failed call may still have been carried out by the cloud: a timeout, a broken
 * connection, a 5xx or an answer that was not the provider's. A create that failed this way is
 * never sent again blind (the host's tag is looked up first); a refusal (4xx, 429) means the
 * cloud did nothing.
 */
export function outcomeUnknown(info: AppErrorInfo): boolean {
  if (info.outcome !== undefined) return info.outcome === 'unknown'
  return info.code === 'timeout' || info.code === 'network' || info.code === 'provider-unavailable' || info.code === 'internal'
}

/** Turns anything thrown into the envelope's error, without stack traces or secrets. */
export function toErrorInfo(error: unknown): AppErrorInfo {
  if (error instanceof AppError) return error.info
  if (isAbort(error)) {
    return { code: 'timeout', message: 'The request took too long and was cancelled.', retryable: true }
  }
  return { code: 'internal', message: 'Something went wrong inside Exitdesk. Please try again.', retryable: true }
}

function isAbort(error: unknown): boolean {
  return error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError')
}

/**
 * The one sentence the UI shows for an error: main's sentence, then the provider's words
 * attributed to the provider, then Exitdesk's own details (never attributed to the provider).
 */
export function describeError(info: AppErrorInfo): string {
  let sentence = info.message
  if (info.providerMessage) sentence += ` The provider said: "${info.providerMessage}"`
  if (info.detail) sentence += ` (details: ${info.detail})`
  return sentence
}
