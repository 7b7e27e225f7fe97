/**
 * Each host's tunnel token lives in the keychain under its own key. When no keyring exists, a
 * simulated host's token is kept in memory for this run only (it opens nothing real), so the
 * simulated cloud works on any machine; real clouds cannot even be added without a keyring.
 */
import { redactor } from '../redact'
import type { SecretStore } from '../secrets/secret-store'

export class TunnelTokens {
  private readonly sessionOnly = new Map<string, string>()

  constructor(private readonly secrets: SecretStore) {}

  async store(hostId: string, token: string, simulated: boolean): Promise<void> {
    redactor.remember(token)
    if (simulated && !(await this.secrets.available()).available) {
      this.sessionOnly.set(hostId, token)
      return
    }
    await this.secrets.set(keyFor(hostId), token)
  }

  /** A token read back (after a restart) is registered with the redactor before anyone can echo it. */
  async read(hostId: string): Promise<string | undefined> {
    const token = this.sessionOnly.get(hostId) ?? (await this.secrets.get(keyFor(hostId)))
    redactor.remember(token)
    return token
  }

  async forget(hostId: string): Promise<void> {
    if (this.sessionOnly.delete(hostId)) return
    await this.secrets.delete(keyFor(hostId)).catch(() => false)
  }
}

function keyFor(hostId: string): string {
  return `host:${hostId}:tunnel-token`
}
