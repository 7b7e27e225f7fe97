/**
 * Regions and plans per account: read live from the provider (prices change: Hetzner raised
 * them twice in 2026), cached for a while, and falling back to the manifest's built-in list
 * with a note when the provider cannot be asked.
 */
import type { Catalog } from '../../shared/domain'
import { describeError, toErrorInfo } from '../../shared/errors'
import type { AccountService } from '../accounts/account-service'
import type { Clock } from '../clock'
import { withDeadline } from '../deadline'

export const CATALOG_TTL_MS = 10 * 60_000

export class CatalogService {
  private readonly cache = new Map<string, { catalog: Catalog; at: number }>()
  private readonly pending = new Map<string, Promise<Catalog>>()

  constructor(private readonly deps: { accounts: AccountService; clock: Clock }) {}

  get(accountId: string): Promise<Catalog> {
    const cached = this.cache.get(accountId)
    if (cached && this.deps.clock.now() - cached.at < CATALOG_TTL_MS) return Promise.resolve(cached.catalog)
    const running = this.pending.get(accountId)
    if (running) return running
    const load = this.load(accountId).finally(() => this.pending.delete(accountId))
    this.pending.set(accountId, load)
    return load
  }

  private async load(accountId: string): Promise<Catalog> {
    const record = this.deps.accounts.record(accountId)
    const provisioner = this.deps.accounts.provisioner(record.cloud)
    try {
      // Asked for by the create form: it may use the room kept for clicks.
      const ctx = await this.deps.accounts.context(accountId, { priority: 'user' })
      const catalog = await withDeadline((signal) => provisioner.catalog(ctx, signal))
      this.cache.set(accountId, { catalog, at: this.deps.clock.now() })
      return catalog
    } catch (error) {
      const { regions, plans } = provisioner.manifest
      return { regions, plans, source: 'built-in', note: `Showing Exitdesk's built-in list: ${describeError(toErrorInfo(error))}` }
    }
  }
}
