/**
 * What the user is told about where credentials and tunnel tokens are kept. Pure: no React,
 * no DOM. With EXITDESK_SECRET_STORE=memory nothing secret survives a restart, and without a
 * word about it the first restart silently loses every host's token and client command.
 */
import type { AppStatus } from '../../../shared/domain'

/** The warning shown while secrets live in memory only; undefined when they go to the keychain. */
export function memoryStoreNotice(status: Pick<AppStatus, 'secretStore'> | undefined): string | undefined {
  if (status?.secretStore.kind !== 'memory') return undefined
  return (
    'Credentials and tunnel tokens are kept in memory only (EXITDESK_SECRET_STORE=memory) and are forgotten when Exitdesk exits. ' +
    'Hosts stay in the cloud and in the table, but after a restart their tunnel tokens and client commands are gone, ' +
    'and every account needs its credential again.'
  )
}

/** Where a credential entered in the add-account form goes, in the form's closing sentence. */
export function credentialDestination(status: Pick<AppStatus, 'secretStore'> | undefined): string {
  if (!status) return 'kept in the secret store Exitdesk was started with'
  if (status.secretStore.kind === 'memory') return 'kept in memory until Exitdesk exits (it is not saved anywhere)'
  return `saved in the system keychain (service ${status.secretStore.service ?? 'Exitdesk'})`
}
