/**
 * A host found in its cloud by its per-host tag gets its Exitdesk id back (./merge.ts), but as
 * "found in cloud": TCP, no token, not copyable. When this keychain still holds that host's
 * tunnel token and the details kept beside it (./tunnel-tokens.ts), this Exitdesk created it —
 * the ledger that said so was lost or damaged — so it is taken back: no longer `discovered`,
 * with its tunnel mode, domains, inlets release, monthly cost and auto-teardown deadline as they were kept.
 *
 * Each refresh calls this; a host id the keychain had nothing for is remembered (per
 * TunnelTokens, i.e. per keychain), so it is asked once, not at every refresh. A keychain that
 * could not be read is asked again next time.
 */
import type { Ledger } from '../store/ledger'
import type { HostKeychainDetails, TunnelTokens } from './tunnel-tokens'

const nothingInKeychain = new WeakMap<TunnelTokens, Set<string>>()

/** Returns whether any host was taken back (the ledger was written once for all of them). */
export async function reclaimDiscovered(ledger: Ledger, tokens: TunnelTokens): Promise<boolean> {
  let negative = nothingInKeychain.get(tokens)
  if (!negative) nothingInKeychain.set(tokens, (negative = new Set()))
  // Only a host the cloud shows as it is: not a duplicate being torn down, nor a teardown under way.
  const candidates = ledger.read().hosts.filter((host) => host.discovered && host.phase === 'created' && !negative.has(host.id))
  if (candidates.length === 0) return false

  const found = new Map<string, HostKeychainDetails>()
  for (const host of candidates) {
    let details: HostKeychainDetails | undefined
    try {
      details = await tokens.reclaimable(host.id)
    } catch {
      continue // the keychain did not answer: asked again at the next refresh
    }
    if (details) found.set(host.id, details)
    else negative.add(host.id)
  }
  if (found.size === 0) return false

  return ledger.update((data) => {
    let changed = false
    for (const host of data.hosts) {
      const details = found.get(host.id)
      if (!details || !host.discovered || host.phase !== 'created') continue
      host.discovered = false
      host.tunnel = structuredClone(details.tunnel)
      if (details.monthlyCostUsd !== undefined) host.monthlyCostUsd = details.monthlyCostUsd
      if (details.autoTeardown && !host.autoTeardown) host.autoTeardown = { ...details.autoTeardown }
      changed = true
    }
    return changed
  })
}
