/**
 * Runs `fn` at most once per `gapMs`; calls in between are folded into one trailing run.
 * Used for main's change events: a burst of them (or a refresh that itself announces a
 * change) costs one refetch per gap instead of a storm. Pure: no React, no DOM.
 */
export function coalesce(fn: () => void, gapMs: number, clock: () => number = Date.now): { run: () => void; cancel: () => void } {
  let last = Number.NEGATIVE_INFINITY
  let timer: ReturnType<typeof setTimeout> | undefined
  const run = (): void => {
    const wait = last + gapMs - clock()
    if (wait > 0) {
      timer ??= setTimeout(() => {
        timer = undefined
        run()
      }, wait)
      return
    }
    last = clock()
    fn()
  }
  const cancel = (): void => {
    if (timer) clearTimeout(timer)
    timer = undefined
  }
  return { run, cancel }
}
