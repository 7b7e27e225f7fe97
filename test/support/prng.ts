/**
 * A small seeded PRNG (mulberry32) for the fault injectors and the soak and SIGKILL drivers:
 * the same seed makes the same sequence of choices, so a failing run can be repeated with the
 * seed it printed. Not for anything secret.
 */
export type Random = () => number

export function mulberry32(seed: number): Random {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** An integer in [min, max], both included. */
export function between(random: Random, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1))
}

/** One key of `weights`, with probability proportional to its weight; keys of weight 0 are never picked. */
export function pickWeighted<K extends string>(random: Random, weights: Readonly<Record<K, number>>): K {
  const entries = (Object.entries(weights) as Array<[K, number]>).filter(([, weight]) => weight > 0)
  if (entries.length === 0) throw new Error('pickWeighted: every weight is 0')
  const total = entries.reduce((sum, [, weight]) => sum + weight, 0)
  let roll = random() * total
  for (const [key, weight] of entries) {
    roll -= weight
    if (roll < 0) return key
  }
  return entries[entries.length - 1]![0]
}

/** A seed from an environment variable (decimal or 0x hex), else `fallback`. */
export function seedFrom(value: string | undefined, fallback: number): number {
  if (value === undefined || value.trim() === '') return fallback >>> 0
  const parsed = Number(value.trim())
  if (!Number.isFinite(parsed)) throw new Error(`not a seed: ${value}`)
  return parsed >>> 0
}
