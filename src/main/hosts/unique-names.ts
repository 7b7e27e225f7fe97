/**
 * Host names are unique per account. The cloud does not insist (DigitalOcean accepts two
 * droplets of one name), but two rows of one name in the table cannot be told apart, and the
 * wrong one gets deleted. Checked in main inside the ledger write that records the host, so
 * two creates racing from two tabs cannot both pass.
 */
import { invalidInput, type AppError } from '../../shared/errors'
import type { HostRecord } from '../store/records'

/**
 * The error for `name` when another live host of the account has it (letters compared
 * without case, as DNS names are). A host being torn down, or a refused create kept only as
 * an error row, no longer holds its name.
 */
export function nameTaken(hosts: readonly HostRecord[], accountId: string, name: string): AppError | undefined {
  const wanted = name.toLowerCase()
  const holder = hosts.find((h) => h.accountId === accountId && h.phase !== 'tearing-down' && !h.refusal && h.name.toLowerCase() === wanted)
  if (!holder) return undefined
  return invalidInput('name', `name "${name}" is already used by another host of this account. Choose another name, or delete that host first.`)
}
