/**
 * The main-process core, with no Electron in it: the same object serves the Electron shell
 * (src/main/index.ts) and the browser shell (src/main/web-entry.ts).
 */
import { AccountService } from './accounts/account-service'
import { CatalogService } from './clouds/catalog'
import { createRegistry, type Registry } from './clouds/registry'
import type { Provisioner } from './clouds/types'
import { systemClock, type Clock } from './clock'
import { createDispatcher, type Dispatch, type Handlers } from './dispatch'
import { createEventBus, type EventBus } from './events'
import { HostService, type Timers } from './hosts/host-service'
import type { SecretStore } from './secrets/secret-store'
import { openLedger } from './store/ledger'
import { lockDataDir } from './store/lock'

const KEYRING_STATUS_TTL_MS = 30_000

export interface CoreOptions {
  dataDir: string
  secrets: SecretStore
  shell: 'electron' | 'web'
  version: string
  clock?: Clock
  timers?: Timers
  /** Tests may add provisioners. */
  extraProvisioners?: Provisioner[]
}

export interface Core {
  dispatch: Dispatch
  events: EventBus
  hosts: HostService
  registry: Registry
  /** Stops the service's own polling and releases the data folder. */
  stop(): Promise<void>
}

export async function createCore(options: CoreOptions): Promise<Core> {
  const clock = options.clock ?? systemClock
  const events = createEventBus()
  const lock = await lockDataDir(options.dataDir)
  const ledger = await openLedger(options.dataDir)
  const registry = createRegistry({ clock, stateDir: options.dataDir, extra: options.extraProvisioners })
  const accounts = new AccountService({ ledger, secrets: options.secrets, registry, clock, onChange: () => events.emit('accounts:changed', { at: new Date(clock.now()).toISOString() }) })
  const catalogs = new CatalogService({ accounts, clock })
  const hosts = new HostService({ ledger, accounts, catalogs, secrets: options.secrets, clock, events, timers: options.timers })

  // The keyring probe writes a test entry; the renderer asks often, the answer changes rarely.
  let keyring: { at: number; status: ReturnType<SecretStore['available']> } | undefined
  const keyringStatus = (): ReturnType<SecretStore['available']> => {
    if (!keyring || clock.now() - keyring.at > KEYRING_STATUS_TTL_MS) keyring = { at: clock.now(), status: options.secrets.available() }
    return keyring.status
  }

  const handlers: Handlers = {
    'app:status': async () => ({ keyring: await keyringStatus(), version: options.version, shell: options.shell }),
    'clouds:list': async () => registry.all().map((p) => p.manifest),
    'clouds:catalog': ({ accountId }) => catalogs.get(accountId),
    'accounts:list': async () => accounts.list(),
    'accounts:add': (input) => accounts.add(input),
    'accounts:verify': async ({ accountId }) => {
      const info = await accounts.verify(accountId)
      if (info.credential === 'ok') hosts.retryAccountNow(accountId)
      return info
    },
    'accounts:update-credential': async ({ accountId, credentials }) => {
      const info = await accounts.updateCredential(accountId, credentials)
      hosts.retryAccountNow(accountId)
      return info
    },
    'accounts:remove': async ({ accountId }) => {
      await accounts.remove(accountId, hosts.hostCount(accountId))
      return { removed: true as const }
    },
    'hosts:list': async () => hosts.list(),
    'hosts:create': (input) => hosts.create(input),
    'hosts:delete': (input) => hosts.delete(input),
    'hosts:client-command': ({ hostId }) => hosts.clientCommand(hostId),
  }

  hosts.start()
  return { dispatch: createDispatcher(handlers), events, hosts, registry, stop: async () => {
      hosts.stop()
      await lock.release()
    },
  }
}
