/**
 * Runs `work` once the window is idle (after its first paint), or after `timeoutMs` at the
 * latest; returns the cancel. Used to fetch the lazily loaded chunks (the New host form, the
 * host details panel) before the user first asks for them.
 */
export function whenIdle(work: () => void, timeoutMs = 3_000): () => void {
  if (typeof requestIdleCallback === 'function') {
    const handle = requestIdleCallback(work, { timeout: timeoutMs })
    return () => cancelIdleCallback(handle)
  }
  const timer = setTimeout(work, Math.min(timeoutMs, 1_000))
  return () => clearTimeout(timer)
}
