/**
 * Host names: generated in the renderer, checked in the form, and checked again in main
 * against the same cloud rule before any cloud is called.
 */
import type { NameRule } from './domain'

const ADJECTIVES = ['amber', 'brisk', 'calm', 'dapper', 'eager', 'fuzzy', 'gentle', 'hasty', 'jolly', 'keen', 'lucky', 'mellow', 'nimble', 'quiet', 'rapid', 'sunny', 'tidy', 'vivid', 'witty', 'zesty']
const NOUNS = ['badger', 'comet', 'falcon', 'gecko', 'heron', 'ibis', 'koala', 'lynx', 'marten', 'newt', 'otter', 'puffin', 'quokka', 'raven', 'stoat', 'tapir', 'vole', 'walrus', 'yak', 'zebra']

/** `random` returns [0, 1); injectable so tests are repeatable. */
export function generateHostName(rule: NameRule, random: () => number = Math.random): string {
  const pick = (words: string[]): string => words[Math.floor(random() * words.length)] ?? words[0]!
  const suffix = Math.floor(random() * 10_000)
    .toString()
    .padStart(4, '0')
  const name = `exit-${pick(ADJECTIVES)}-${pick(NOUNS)}-${suffix}`.slice(0, rule.maxLength)
  return name
}

/** `undefined` when the name is fine, otherwise the problem as the end of a sentence. */
export function hostNameProblem(name: string, rule: NameRule): string | undefined {
  if (name.length === 0) return 'must not be empty'
  if (name.length > rule.maxLength) return `must be at most ${rule.maxLength} characters`
  if (!new RegExp(`^(?:${rule.pattern})$`).test(name)) return `must follow the cloud's naming rule: ${rule.description}`
  return undefined
}

/** RFC 1123 label rules most clouds use (DigitalOcean, Hetzner, ...). */
export const DNS_LABEL_RULE: NameRule = {
  pattern: '[a-z0-9]([a-z0-9-]*[a-z0-9])?',
  maxLength: 63,
  description: 'lower-case letters, digits and dashes, starting and ending with a letter or digit, at most 63 characters',
}
