/** Every cloud call made on behalf of a user action gets a deadline, so no handler hangs. */
import { DEFAULT_TIMEOUT_MS } from './clouds/http'

export function withDeadline<T>(work: (signal: AbortSignal) => Promise<T>, ms: number = DEFAULT_TIMEOUT_MS + 2_000): Promise<T> {
  return work(AbortSignal.timeout(ms))
}
