// The Electron fuses Exitdesk flips in every packaged binary (build/after-pack.mjs), in one
// object so test/unit/packaging.test.ts checks each one. Fuses are bits compiled into the
// Electron executable that switch features off (or on) for good: nothing at run time, not even
// the app's own code, can switch them back.
// https://www.electronjs.org/docs/latest/tutorial/fuses
// https://github.com/electron/fuses
import { FuseV1Options, FuseVersion } from '@electron/fuses'

/** @type {import('@electron/fuses').FuseV1Config & { strictlyRequireAllFuses: true }} */
export const FUSES = {
  version: FuseVersion.V1,
  // Every fuse this @electron/fuses knows must be named below: a fuse added by a later Electron
  // then fails the package instead of keeping its default unnoticed.
  strictlyRequireAllFuses: true,
  // ELECTRON_RUN_AS_NODE would turn the signed Exitdesk binary into a plain Node that runs any
  // script with the app's keychain access. Exitdesk never forks a Node child.
  [FuseV1Options.RunAsNode]: false,
  // Chromium's cookie store encrypted with the OS key, like Chrome. A one-way switch; Exitdesk
  // keeps no cookies today, so nothing old is left unreadable.
  [FuseV1Options.EnableCookieEncryption]: true,
  // NODE_OPTIONS (and NODE_EXTRA_CA_CERTS) could inject --require code or a rogue CA that every
  // cloud call would trust.
  [FuseV1Options.EnableNodeOptionsEnvironmentVariable]: false,
  // --inspect / --inspect-brk / SIGUSR1 would open a debugger on the main process, which holds
  // the cloud credentials.
  [FuseV1Options.EnableNodeCliInspectArguments]: false,
  // app.asar is checked against the hash electron-builder records in the binary (Info.plist on
  // macOS, a resource on Windows; Linux has no such check yet), so an edited asar does not load.
  // https://www.electronjs.org/docs/latest/tutorial/asar-integrity
  [FuseV1Options.EnableEmbeddedAsarIntegrityValidation]: true,
  // Only app.asar is loaded — not a resources/app folder dropped beside it — so the integrity
  // check above cannot be sidestepped.
  [FuseV1Options.OnlyLoadAppFromAsar]: true,
  // The default: one V8 snapshot for every process (Exitdesk ships no custom snapshot).
  [FuseV1Options.LoadBrowserProcessSpecificV8Snapshot]: false,
  // The window loads from app:// (src/main/app-protocol.ts), never file://, so file:// pages get
  // no more than a browser gives them. Electron's security checklist, item 18:
  // https://www.electronjs.org/docs/latest/tutorial/security#18-avoid-usage-of-the-file-protocol-and-prefer-usage-of-custom-protocols
  [FuseV1Options.GrantFileProtocolExtraPrivileges]: false,
}
