/** electron-builder's afterPack hook: flips build/fuses.mjs in the packed binary. */
export default function afterPack(context: {
  electronPlatformName: string
  arch: number
  packager: { addElectronFuses(context: unknown, fuses: object): Promise<unknown> }
}): Promise<void>
