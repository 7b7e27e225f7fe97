/**
 * Proof that an account's current credential still acts in that account, asked for before a
 * host leaves the table because the cloud no longer shows it.
 *
 * Why: a credential of ANOTHER account (a second DigitalOcean team of the same person, pasted
 * into "Replace credential" or swapped in the keychain) lists none of this account's hosts
 * and gets 404 for each of them by id. Read as "deleted outside Exitdesk", that would drop
 * hosts that keep running and billing from the table and the ledger. So a "not found" only
 * counts once `verify` has shown the credential's identity (manifest `identity`) to be the
 * one recorded for the account.
 *
 * Proofs are cached per account and credential for IDENTITY_PROOF_TTL_MS, so a busy table
 * asks the cloud's account endpoint rarely; a changed credential has another fingerprint and
 * is proven afresh.
 */
import { createHash } from 'node:crypto'
import { AppError, type AppErrorInfo } from '../../shared/errors'

/** How long a proof (either way) stands for one credential. */
export const IDENTITY_PROOF_TTL_MS = 10 * 60_000

export type IdentityProof =
  | { proven: true }
  /** The credential acts in another account, or the account's identity is not known: the user must look. */
  | { proven: false; attention: true; message: string }
  /** The check could not run (network, rate limit, a credential refused outright): asked again later. */
  | { proven: false; attention: false; error: AppErrorInfo }

/**
 * Remembers proofs by account and credential fingerprint. The fingerprint is a SHA-256 of the
 * credential kept in memory only, so the cache never holds the credential itself.
 */
export class ProofCache {
  private readonly entries = new Map<string, { fingerprint: string; at: number; proof: IdentityProof }>()

  constructor(private readonly ttlMs = IDENTITY_PROOF_TTL_MS) {}

  get(accountId: string, credentials: Readonly<Record<string, string>>, now: number): IdentityProof | undefined {
    const entry = this.entries.get(accountId)
    if (!entry || entry.fingerprint !== fingerprint(credentials) || now - entry.at >= this.ttlMs) return undefined
    return entry.proof
  }

  set(accountId: string, credentials: Readonly<Record<string, string>>, now: number, proof: IdentityProof): void {
    this.entries.set(accountId, { fingerprint: fingerprint(credentials), at: now, proof })
  }

  forget(accountId: string): void {
    this.entries.delete(accountId)
  }
}

function fingerprint(credentials: Readonly<Record<string, string>>): string {
  const sorted = Object.keys(credentials)
    .sort()
    .map((key) => [key, credentials[key]])
  return createHash('sha256').update(JSON.stringify(sorted)).digest('hex')
}

export interface MismatchWords {
  /** The manifest's identity label, e.g. "team". */
  identityLabel: string
  /** Whose account the credential acts in, as the cloud named it. */
  found: string
  /** The account as recorded (its accountName, else its label). */
  recorded: string
}

/** The credential acts in another account: said the same way on the account row and in a host's error. */
export function identityMismatchMessage(words: MismatchWords): string {
  return (
    `This credential belongs to ${words.found}, not ${words.recorded} (another ${words.identityLabel}), so Exitdesk removes none of ` +
    `this account's hosts on its word. Replace it with a credential of ${words.recorded}, or add it as an account of its own.`
  )
}

/** A ledger written before identities were kept, whose credential has not been verified since. */
export function unknownIdentityMessage(identityLabel: string): string {
  return (
    `Exitdesk has not yet recorded which ${identityLabel} this account belongs to, so it removes none of its hosts that the cloud ` +
    `no longer shows. Check that the credential is this account's own, then press Verify.`
  )
}

/** A list by tag that saw none of the account's hosts, with why the credential could not be trusted. */
export function unseenHostsMessage(count: number, reason: string): string {
  return `This credential sees none of this account's ${count} host${count === 1 ? '' : 's'}; they are kept in the table. ${reason}`
}

/** The error a teardown step reports when it may not remove its host yet; undefined when proven. */
export function proofError(proof: IdentityProof): AppError | undefined {
  if (proof.proven) return undefined
  if (proof.attention) return new AppError({ code: 'forbidden', message: proof.message, retryable: true })
  return new AppError(proof.error)
}
