/**
 * Each host's tunnel token lives in the keychain under its own key. When no keyring exists, a
 * simulated host's token is kept in memory for this run only (it opens nothing real), so the
 * simulated cloud works on any machine; real clouds cannot even be added without a keyring.
 *
 * Beside the token, under `host:<id>:tunnel`, goes a copy of what the host was created with that
 * its cloud does not know (tunnel mode, domains, inlets release, issuer, monthly cost; nothing
 * secret): a host found again by its tag after the ledger was damaged gets them back from here
 * (./reclaim.ts), so an HTTPS host is not shown as TCP and its token can be copied again.
 */
import { z } from 'zod'
import type { TunnelSettings } from '../../shared/domain'
import { redactor } from '../redact'
import type { SecretStore } from '../secrets/secret-store'
import type { AutoTeardownRecord } from '../store/records'
import { autoTeardownRecordSchema, tunnelSettingsSchema } from '../store/schema'

/** What is kept in the keychain next to a host's token. */
export interface HostKeychainDetails {
  tunnel: TunnelSettings
  monthlyCostUsd?: number
  /**
   * The auto-teardown deadline: a host found again after a damaged ledger must still go when
   * the user said, not bill on forever. Absent in copies written before it was kept.
   */
  autoTeardown?: AutoTeardownRecord
}

const detailsSchema = z.object({
  v: z.literal(1),
  tunnel: tunnelSettingsSchema,
  monthlyCostUsd: z.number().optional(),
  // A damaged deadline is dropped, not the whole copy: the tunnel settings matter more.
  autoTeardown: autoTeardownRecordSchema.optional().catch(undefined),
})

export class TunnelTokens {
  private readonly sessionOnly = new Map<string, string>()
  private readonly sessionDetails = new Map<string, HostKeychainDetails>()

  constructor(private readonly secrets: SecretStore) {}

  async store(hostId: string, token: string, simulated: boolean, details: HostKeychainDetails): Promise<void> {
    redactor.remember(token)
    if (simulated && !(await this.secrets.available()).available) {
      this.sessionOnly.set(hostId, token)
      this.sessionDetails.set(hostId, details)
      return
    }
    await this.secrets.set(keyFor(hostId), token)
    try {
      await this.storeDetails(hostId, details)
    } catch (error) {
      await this.secrets.delete(keyFor(hostId)).catch(() => false)
      throw error
    }
  }

  /** Writes the details of a host created before they were kept (../recovery.ts). */
  async storeDetails(hostId: string, details: HostKeychainDetails): Promise<void> {
    const { tunnel, monthlyCostUsd, autoTeardown } = details
    const kept = { mode: tunnel.mode, inletsVersion: tunnel.inletsVersion, domains: [...tunnel.domains], letsEncryptIssuer: tunnel.letsEncryptIssuer }
    const deadline = autoTeardown ? { at: autoTeardown.at, after: autoTeardown.after, setAt: autoTeardown.setAt } : undefined
    await this.secrets.set(detailsKeyFor(hostId), JSON.stringify({ v: 1, tunnel: kept, monthlyCostUsd, autoTeardown: deadline }))
  }

  /** Rewrites the details of a host that has them (its auto-teardown changed); session-only hosts in memory. */
  async updateDetails(hostId: string, details: HostKeychainDetails): Promise<void> {
    if (this.sessionOnly.has(hostId)) {
      this.sessionDetails.set(hostId, details)
      return
    }
    if (await this.secrets.get(keyFor(hostId))) await this.storeDetails(hostId, details)
  }

  /** A token read back (after a restart) is registered with the redactor before anyone can echo it. */
  async read(hostId: string): Promise<string | undefined> {
    const token = this.sessionOnly.get(hostId) ?? (await this.secrets.get(keyFor(hostId)))
    redactor.remember(token)
    return token
  }

  /** The host's details, when this keychain holds both its token and them; undefined otherwise. */
  async reclaimable(hostId: string): Promise<HostKeychainDetails | undefined> {
    if (this.sessionOnly.has(hostId)) return this.sessionDetails.get(hostId)
    if (!(await this.read(hostId))) return undefined
    const text = await this.secrets.get(detailsKeyFor(hostId))
    if (!text) return undefined
    try {
      const parsed = detailsSchema.safeParse(JSON.parse(text))
      if (!parsed.success) return undefined
      const { tunnel, monthlyCostUsd, autoTeardown } = parsed.data
      return { tunnel, monthlyCostUsd, ...(autoTeardown ? { autoTeardown } : {}) }
    } catch {
      return undefined
    }
  }

  async forget(hostId: string): Promise<void> {
    this.sessionDetails.delete(hostId)
    if (this.sessionOnly.delete(hostId)) return
    await this.secrets.delete(keyFor(hostId)).catch(() => false)
    await this.secrets.delete(detailsKeyFor(hostId)).catch(() => false)
  }
}

export function keyFor(hostId: string): string {
  return `host:${hostId}:tunnel-token`
}

export function detailsKeyFor(hostId: string): string {
  return `host:${hostId}:tunnel`
}
