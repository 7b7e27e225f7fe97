/** Account helpers shared by the forms. Pure: no React, no DOM. */
import type { AccountInfo, CloudInfo } from '../../../shared/domain'

export function cloudOf(clouds: readonly CloudInfo[], cloudId: string): CloudInfo | undefined {
  return clouds.find((cloud) => cloud.id === cloudId)
}

/** The account a new user starts with: the built-in simulated one, so a first host needs no set-up. */
export function defaultAccount(accounts: readonly AccountInfo[], clouds: readonly CloudInfo[]): AccountInfo | undefined {
  return (
    accounts.find((account) => account.builtIn && cloudOf(clouds, account.cloud)?.simulated) ??
    accounts.find((account) => cloudOf(clouds, account.cloud)?.simulated) ??
    accounts[0]
  )
}

/** "label → value" for a cloud's credential fields, for error sentences. */
export function credentialLabels(cloud: CloudInfo | undefined): Record<string, string> {
  return Object.fromEntries((cloud?.credentialFields ?? []).map((field) => [field.key, field.label]))
}
