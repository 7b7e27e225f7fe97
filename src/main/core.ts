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
import { ClientCommands } from './hosts/client-commands'
import { HostService, type Timers } from './hosts/host-service'
import { autoTeardownSettings, saveAutoTeardownSettings } from './hosts/auto-teardown-settings'
import type { SecretStore } from './secrets/secret-store'
import type { AutoTeardownSettings, WindowSettings } from '../shared/contract'
import type { AppStatus } from '../shared/domain'
import { openLedger } from './store/ledger'
import { keepKeychainDetails, recoverDamagedLedger } from './recovery'
import { lockDataDir } from './store/lock'
import { saveWindowSettings, windowSettings } from './window-settings'

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
  /** Where "$HOME/…" paths (the inlets-pro licence) are looked up; the OS home folder unless a test sets it. */
  homeDir?: string
}

export interface Core {
  dispatch: Dispatch
  events: EventBus
  hosts: HostService
  registry: Registry
  /**
   * The auto-teardown settings, for the Electron shell's quit flow: when `teardownOnQuit` is on,
   * it asks, lists `hosts.hostsLeftBillable()` and calls `hosts.tearDownAll()`.
   */
  autoTeardownSettings(): AutoTeardownSettings
  /** The window settings, for the Electron shell's close-to-tray decision (./tray-menu.ts keepRunningInTray). */
  windowSettings(): WindowSettings
  /** Stops the service's own polling and releases the data folder. */
  stop(): Promise<void>
}

/** Where credentials go, for the banner and the add-account form (EXITDESK_SECRET_STORE=memory forgets them on exit). */
export function secretStoreStatus(secrets: SecretStore): AppStatus['secretStore'] {
  return secrets.kind === 'memory' ? { kind: 'memory' } : { kind: 'keychain', service: secrets.service }
}

export async function createCore(options: CoreOptions): Promise<Core> {
  const clock = options.clock ?? systemClock
  const events = createEventBus()
  const lock = await lockDataDir(options.dataDir)
  const ledger = await openLedger(options.dataDir)
  // A damaged records file was set aside: accounts come back from the keychain before anything reads them.
  const ledgerRecovery = await recoverDamagedLedger(ledger, options.secrets)
  const registry = createRegistry({ clock, stateDir: options.dataDir, extra: options.extraProvisioners })
  const accounts = new AccountService({ ledger, secrets: options.secrets, registry, clock, onChange: () => events.emit('accounts:changed', { at: new Date(clock.now()).toISOString() }) })
  const catalogs = new CatalogService({ accounts, clock })
  const hosts = new HostService({ ledger, accounts, catalogs, secrets: options.secrets, clock, events, timers: options.timers })
  const clientCommands = new ClientCommands({ ledger, dataDir: options.dataDir, tunnelOf: (hostId) => hosts.copyableTunnel(hostId), homeDir: options.homeDir })

  // The keyring probe writes a test entry; the renderer asks often, the answer changes rarely.
  let keyring: { at: number; status: ReturnType<SecretStore['available']> } | undefined
  const keyringStatus = (): ReturnType<SecretStore['available']> => {
    if (!keyring || clock.now() - keyring.at > KEYRING_STATUS_TTL_MS) keyring = { at: clock.now(), status: options.secrets.available() }
    return keyring.status
  }

  const handlers: Handlers = {
    'app:status': async () => ({ keyring: await keyringStatus(), secretStore: secretStoreStatus(options.secrets), version: options.version, shell: options.shell, ...(ledgerRecovery ? { ledgerRecovery } : {}) }),
    'clouds:list': async () => registry.all().map((p) => p.manifest),
    'clouds:catalog': ({ accountId }) => catalogs.get(accountId),
    'clouds:prepare': async ({ cloud }) => {
      const prepare = registry.get(cloud)?.prepare
      if (!prepare) return { preparing: false }
      // In the background: the answer does not wait for the load (a failure shows at the first real call).
      void prepare().catch(() => undefined)
      return { preparing: true }
    },
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
    'hosts:list': async ({ since }) => hosts.list(since),
    'hosts:create': (input) => hosts.create(input),
    'hosts:delete': (input) => hosts.delete(input),
    'hosts:client-command': (input) => clientCommands.build(input),
    'hosts:tunnel-token': async ({ hostId }) => ({ token: (await hosts.copyableTunnel(hostId)).token }),
    'hosts:set-auto-teardown': ({ hostId, after }) => hosts.setAutoTeardown(hostId, after),
    'hosts:details': ({ hostId }) => hosts.details(hostId),
    'settings:get': async () => ({ ...clientCommands.settings(), autoTeardown: autoTeardownSettings(ledger), window: windowSettings(ledger) }),
    'settings:set-window': async (change) => {
      const window = await saveWindowSettings(ledger, change)
      return { ...clientCommands.settings(), autoTeardown: autoTeardownSettings(ledger), window }
    },
    'settings:set-auto-teardown': async (change) => ({ ...clientCommands.settings(), autoTeardown: await saveAutoTeardownSettings(ledger, change), window: windowSettings(ledger) }),
  }

  hosts.start()
  // Token files of hosts deleted while Exitdesk was closed; in the background, nothing waits on it.
  void clientCommands.pruneTokenFiles().catch(() => undefined)
  // Keychain copies of account and tunnel details for records made before they were kept; for a future recovery.
  void keepKeychainDetails(ledger, options.secrets).catch(() => undefined)
  return { dispatch: createDispatcher(handlers), events, hosts, registry, autoTeardownSettings: () => autoTeardownSettings(ledger), windowSettings: () => windowSettings(ledger), stop: async () => {
      hosts.stop()
      await lock.release()
    },
  }
}
