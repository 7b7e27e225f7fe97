/**
 * Each host's tunnel token lives in the keychain under its own key. When no keyring exists, a
 * simulated host's token is kept in memory for this run only (it opens nothing real), so the
 * simulated cloud works on any machine; real clouds cannot even be added without a keyring.
 */
import type { SecretStore } from '../secrets/secret-store'

export class TunnelTokens {
  private readonly sessionOnly = new Map<string, string>()

  constructor(private readonly secrets: SecretStore) {}

  async store(hostId: string, token: string, simulated: boolean): Promise<void> {
    if (simulated && !(await this.secrets.available()).available) {
      this.sessionOnly.set(hostId, token)
      return
    }
    await this.secrets.set(keyFor(hostId), token)
  }

  async read(hostId: string): Promise<string | undefined> {
    return this.sessionOnly.get(hostId) ?? (await this.secrets.get(keyFor(hostId)))
  }

  async forget(hostId: string): Promise<void> {
    if (this.sessionOnly.delete(hostId)) return
    await this.secrets.delete(keyFor(hostId)).catch(() => false)
  }
}

function keyFor(hostId: string): string {
  return `host:${hostId}:tunnel-token`
}
