/** Time, injectable so the host service and the simulated cloud are tested with fake clocks, not sleeps. */
export interface Clock {
  now(): number
}

export const systemClock: Clock = { now: () => Date.now() }
