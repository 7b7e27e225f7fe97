/** The renderer's error type and the one sentence shown for anything thrown. Pure: no React. */
import { describeError, type AppErrorInfo } from '../../../shared/errors'
import { withFieldLabel } from './fields'

/** A call whose envelope was not ok; carries main's explanation. */
export class ApiError extends Error {
  readonly info: AppErrorInfo
  constructor(info: AppErrorInfo) {
    super(info.message)
    this.name = 'ApiError'
    this.info = info
  }
}

/** The bridge itself failed (the HTTP bridge could not connect, the preload went away ...). */
export function bridgeFailure(): ApiError {
  return new ApiError({
    code: 'network',
    message: 'Exitdesk could not reach its background service. Check that the app is still running, then try again.',
    retryable: true,
  })
}

/** The sentence for any error: main's own words for an ApiError, a plain apology for anything else. */
export function errorSentence(error: unknown, credentialLabels: Record<string, string> = {}): string {
  if (error instanceof ApiError) return describeError(withFieldLabel(error.info, credentialLabels))
  return 'Something went wrong in this window. Reload it (Ctrl+R or Cmd+R) and try again.'
}

export function errorInfo(error: unknown): AppErrorInfo | undefined {
  return error instanceof ApiError ? error.info : undefined
}
