// electron-builder's afterPack hook (electron-builder.yml → afterPack): flips the fuses of
// build/fuses.mjs in the packed Electron binary. afterPack runs after the app is copied and
// before the binary is signed, which is the order fuses need: flipping them changes the
// executable, so a signature made earlier would no longer match.
// https://www.electron.build/configuration#afterpack
// https://github.com/electron/fuses#how-do-i-flip-the-fuses
//
// Through `packager.addElectronFuses`, which electron-builder documents for this hook: it knows
// the executable's name and place on each platform (Exitdesk.app, Exitdesk.exe, exitdesk).
import { FUSES } from './fuses.mjs'

// electron-builder's Arch enum: arm64 is 3 (app-builder-lib/out/index.d.ts → builder-util Arch).
const ARCH_ARM64 = 3

/** @param {import('app-builder-lib').AfterPackContext} context */
export default async function afterPack(context) {
  // An Apple Silicon binary whose bytes changed must be ad-hoc signed again to start at all when
  // no signing identity follows (a local unsigned build).
  // https://github.com/electron/fuses#apple-silicon
  const resetAdHocDarwinSignature = context.electronPlatformName === 'darwin' && context.arch === ARCH_ARM64
  await context.packager.addElectronFuses(context, { ...FUSES, resetAdHocDarwinSignature })
}
