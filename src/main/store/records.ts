/** What Exitdesk keeps on disk about accounts and hosts. No secrets: those live in the keychain. */
import type { AutoTeardownAfter, CloudId, Host, HostState, TunnelSettings } from '../../shared/domain'
import type { AutoTeardownSettings, ClientCommandDefaults, HostTimelineEntry, WindowSettings } from '../../shared/contract'

export interface AccountRecord {
  id: string
  cloud: CloudId
  label: string
  endpoint?: string
  createdAt: string
  credential: 'ok' | 'failing' | 'none'
  credentialMessage?: string
  /** The account's e-mail or name, as the cloud reported it when verified. Shown, never compared. */
  accountName?: string
  /**
   * The provider's immutable id of the account (the manifest's `identity`, e.g. a DigitalOcean
   * team uuid), learned when the credential was first verified. What makes two records the same
   * account, and what a replacement credential must match. Absent in ledgers written before it
   * was kept: learned from the stored credential on the next verify.
   */
  identity?: string
}

/**
 * Where a host is in its life as far as Exitdesk is concerned:
 * creating      create steps still to run (the instance may not exist yet)
 * created       the cloud owns the state; refreshes observe it
 * tearing-down  teardown steps still to run; the record goes away when they are done
 */
export type HostPhase = 'creating' | 'created' | 'tearing-down'

/**
 * A host's auto-teardown, as an absolute deadline so a restart keeps it (../hosts/auto-teardown.ts).
 */
export interface AutoTeardownRecord {
  /** Epoch ms at which main starts the host's teardown. */
  at: number
  /** The choice that set it, for the sentence that says why the host went. */
  after: AutoTeardownAfter
  /** Whether it was chosen in the create form (or by its default) or changed later. */
  setAt: 'create' | 'later'
  /** The "in 10 minutes" warning was sent (once per host, also across a restart). */
  warned?: boolean
}

export interface HostRecord extends Omit<Host, 'busy' | 'tunnel' | 'deleteAt' | 'deleteAfter'> {
  /** The renderer's idempotency key: the same request never creates a second host. */
  requestId?: string
  phase: HostPhase
  /** The adapter's marker of how far the current multi-step work got. */
  progress?: string
  tunnel: TunnelSettings
  /** Consecutive failed steps, for back-off. */
  failures: number
  /** Epoch ms before which no further step is tried (back-off after a failure). */
  nextAttemptAt?: number
  /** When Exitdesk first saw a host it did not create (found in cloud, a duplicate). */
  lastObservedAt?: string
  /**
   * Set when the cloud refused a create that was retried in the background (no form was
   * waiting for the answer): once what was made for it is removed, the record stays as an
   * error row carrying this sentence until the user dismisses it with Delete.
   */
  refusal?: string
  /**
   * Epoch ms since which a create step's outcome is unknown (timeout, reset, 5xx, an answer
   * that was not the provider's): until the late-processing window has passed, the host's own
   * tag is only looked up, never created again (hosts/stepping.ts).
   */
  uncertainSince?: number
  /**
   * Epoch ms of the last create step whose outcome was unknown. Kept after the create goes on:
   * the cloud may still carry that step out (a firewall, a tag), so a teardown is finished only
   * once the late-processing window after it has passed.
   */
  lastUnknownAt?: number
  /** Epoch ms since which the teardown has been waiting at its current step (for the delete's grace period). */
  waitingSince?: number
  /** How many times the delete was sent again because the instance outlived its grace period. */
  resends?: number
  /**
   * Set on a second instance carrying another host's own tag (a create the cloud carried out
   * late): the id of the host it duplicates. Such a record is torn down at once, and its
   * teardown removes only the instance, never what the original host still uses.
   */
  duplicateOf?: string
  /** Absent: the host stays until deleted. */
  autoTeardown?: AutoTeardownRecord
  /**
   * What happened to the host, oldest first, at most TIMELINE_LIMIT entries (../hosts/timeline.ts).
   * Appended only on transitions, never per poll. Absent in ledgers written before it was kept.
   */
  timeline?: HostTimelineEntry[]
}

export interface LedgerData {
  version: 1
  accounts: AccountRecord[]
  hosts: HostRecord[]
  /** The user's remembered choices (absent until the first is made). Nothing secret. */
  settings?: SettingsRecord
}

export interface SettingsRecord {
  /** The copy dialog's last values; read field by field, so a hand-edited file cannot break it. */
  clientCommand?: Partial<ClientCommandDefaults>
  /** Read field by field too (../hosts/auto-teardown-settings.ts). */
  autoTeardown?: Partial<AutoTeardownSettings>
  /** The desktop shell's window settings, read field by field too (../window-settings.ts). */
  window?: Partial<WindowSettings>
}

export function emptyLedger(): LedgerData {
  return { version: 1, accounts: [], hosts: [] }
}

/**
 * The host as the window sees it. Records are immutable once published (the ledger copies on
 * write), so each record's view is made once and kept while the record lives: a refresh that
 * changed ten of five thousand hosts makes ten views, not five thousand.
 */
const views = new WeakMap<HostRecord, Host>()

export function toHost(record: HostRecord): Host {
  let view = views.get(record)
  if (view === undefined) {
    view = Object.freeze(viewOf(record))
    if (Object.isFrozen(record)) views.set(record, view)
  }
  return view
}

function viewOf(record: HostRecord): Host {
  const { requestId: _requestId, phase, progress: _progress, failures: _failures, nextAttemptAt, lastObservedAt: _seen, refusal: _refusal, uncertainSince: _uncertain, lastUnknownAt: _lastUnknown, waitingSince: _waiting, resends: _resends, duplicateOf: _duplicateOf, autoTeardown, timeline: _timeline, tunnel, ...host } = record
  return {
    ...host,
    tunnel: { mode: tunnel.mode, domains: [...tunnel.domains] },
    busy: phase !== 'created',
    retryAt: nextAttemptAt !== undefined ? new Date(nextAttemptAt).toISOString() : undefined,
    ...(autoTeardown ? { deleteAt: new Date(autoTeardown.at).toISOString(), deleteAfter: autoTeardown.after } : {}),
  }
}

export function displayState(phase: HostPhase, observed: HostState): HostState {
  if (phase === 'tearing-down') return 'deleting'
  if (phase === 'creating') return observed === 'error' ? 'error' : 'provisioning'
  return observed
}
