/**
 * Desktop packaging, checked without building an installer (that needs the Electron binary,
 * which cannot be downloaded here): electron-builder.yml through electron-builder's own loader,
 * schema and file matcher, the icons it names, the afterPack hook, and the fuses it flips — the last
 * also applied with @electron/fuses to a stand-in binary carrying a fuse wire.
 */
import { existsSync, readFileSync } from 'node:fs'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { FuseV1Options, FuseVersion, flipFuses, getCurrentFuseWire } from '@electron/fuses'
import { parse as parseYaml } from '@stoplight/yaml'
import { FileMatcher } from 'app-builder-lib/out/fileMatcher'
import { getConfig, validateConfiguration } from 'app-builder-lib/out/util/config/config'
import { resolveFunction } from 'app-builder-lib/out/util/resolve'
import { afterAll, describe, expect, it } from 'vitest'
import afterPack from '../../build/after-pack.mjs'
import { FUSES } from '../../build/fuses.mjs'
import { encodeIcns, encodeIco, ICNS_TYPES, ICO_SIZES, ICON_SIZES } from '../../build/make-icons.mjs'

const ROOT = resolve('.')
const BUILD = join(ROOT, 'build')

interface BuilderConfig {
  appId: string
  productName: string
  directories: { buildResources: string; output: string }
  files: string[]
  asar: boolean
  asarUnpack: string[]
  afterPack: string
  linux: { target: string[]; icon: string; maintainer: string }
  mac: { target: string[]; icon: string }
  win: { target: string[]; icon: string }
  nsis: { installerIcon: string; deleteAppDataOnUninstall: boolean }
  electronFuses?: unknown
}

/** electron-builder's DebugLogger, switched off (the validator only writes to it when enabled). */
const quietLogger = { isEnabled: false, data: new Map(), add: () => undefined } as never

const config = parseYaml<BuilderConfig>(readFileSync(join(ROOT, 'electron-builder.yml'), 'utf8'))

/** Width and height from a PNG's IHDR chunk (bytes 16–23), after checking the signature. */
function pngSize(png: Buffer): { width: number; height: number } {
  expect(png.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))).toBe(true)
  expect(png.toString('ascii', 12, 16)).toBe('IHDR')
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) }
}

/** The PNG entries of a PNG-backed .ico: [size from the directory, image]. */
function icoEntries(ico: Buffer): Array<{ size: number; png: Buffer }> {
  expect(ico.readUInt16LE(0)).toBe(0)
  expect(ico.readUInt16LE(2)).toBe(1)
  return Array.from({ length: ico.readUInt16LE(4) }, (_, index) => {
    const entry = 6 + 16 * index
    const size = ico.readUInt8(entry) || 256
    const length = ico.readUInt32LE(entry + 8)
    const offset = ico.readUInt32LE(entry + 12)
    return { size, png: ico.subarray(offset, offset + length) }
  })
}

function icnsEntries(icns: Buffer): Array<{ type: string; png: Buffer }> {
  expect(icns.toString('ascii', 0, 4)).toBe('icns')
  expect(icns.readUInt32BE(4)).toBe(icns.length)
  const entries: Array<{ type: string; png: Buffer }> = []
  for (let at = 8; at < icns.length; ) {
    const length = icns.readUInt32BE(at + 4)
    expect(length).toBeGreaterThan(8)
    entries.push({ type: icns.toString('ascii', at, at + 4), png: icns.subarray(at + 8, at + length) })
    at += length
  }
  return entries
}

describe('electron-builder.yml', () => {
  it("loads and validates with electron-builder's own config loader and schema", async () => {
    const loaded = await getConfig(ROOT, null, null)
    await expect(validateConfiguration(loaded, quietLogger)).resolves.toBeUndefined()
    expect(loaded.appId).toBe(config.appId)
    // The same validator refuses a wrong value, so the check above means something.
    await expect(validateConfiguration({ ...loaded, asar: 'yes' } as never, quietLogger)).rejects.toThrow(/asar/)
  })

  it('names the app and builds AppImage and deb, dmg, and nsis', () => {
    expect(config.appId).toMatch(/^[a-z0-9-]+(\.[a-z0-9-]+)+$/)
    expect(config.productName).toBe('Exitdesk')
    expect(config.linux.target).toEqual(['AppImage', 'deb'])
    expect(config.mac.target).toEqual(['dmg'])
    expect(config.win.target).toEqual(['nsis'])
    // deb refuses to build without a maintainer, and package.json has no author to fall back on.
    expect(config.linux.maintainer).toMatch(/<[^@\s]+@[^>\s]+>/)
    expect(config.directories).toEqual({ buildResources: 'build', output: 'dist' })
  })

  it('packs only the build output and package.json: no sources, tests, benches, docs or data folder', () => {
    expect(config.files).toEqual(['out/**', 'package.json', '!out/**/*.map'])
    // electron-builder's own matcher, as it filters the project folder before adding production dependencies.
    const filter = new FileMatcher(ROOT, '/app', (pattern) => pattern, config.files).createFilter()
    const file = { isDirectory: () => false } as never
    const packed = (relative: string): boolean => Boolean(filter(join(ROOT, relative), file))
    for (const kept of ['out/main/index.js', 'out/main/web.js', 'out/preload/index.js', 'out/renderer/index.html', 'out/renderer/assets/icon-x.svg', 'out/main/chunks/tray-x.png', 'package.json']) {
      expect(packed(kept), kept).toBe(true)
    }
    for (const left of ['src/main/index.ts', 'test/unit/packaging.test.ts', 'test/fakes/digitalocean.ts', 'bench/run.ts', 'docs/installers.md', 'README.md', 'build/icon.svg', 'build/after-pack.mjs', 'scripts/start.mjs', 'exitdesk-ledger.json', 'data/exitdesk-ledger.json', '.exitdesk-dev/exitdesk-ledger.json', 'dist/linux-unpacked/exitdesk', 'tunnel-tokens/host.token', 'out/main/index.js.map', '.ci/run', 'electron-builder.yml']) {
      expect(packed(left), left).toBe(false)
    }
  })

  it('packs into an asar, with the native keytar module unpacked', () => {
    expect(config.asar).toBe(true)
    const unpack = new FileMatcher(ROOT, '/app', (pattern) => pattern, config.asarUnpack).createFilter()
    const file = { isDirectory: () => false } as never
    expect(unpack(join(ROOT, 'node_modules/keytar/build/Release/keytar.node'), file)).toBe(true)
    expect(unpack(join(ROOT, 'node_modules/keytar/package.json'), file)).toBe(true)
    expect(unpack(join(ROOT, 'node_modules/zod/index.js'), file)).toBe(false)
    expect(unpack(join(ROOT, 'out/main/index.js'), file)).toBe(false)
  })

  it('flips the fuses in its afterPack hook, not in electronFuses as well (they would be flipped twice)', () => {
    expect(config.afterPack).toBe('./build/after-pack.mjs')
    expect(existsSync(resolve(ROOT, config.afterPack))).toBe(true)
    expect(config.electronFuses).toBeUndefined()
  })
})

describe('icons', () => {
  it('has the Linux icon folder with every NxN.png at its named size', async () => {
    expect(config.linux.icon).toBe('build/icons')
    for (const size of ICON_SIZES) {
      const png = await readFile(join(ROOT, config.linux.icon, `${size}x${size}.png`))
      expect(pngSize(png), `${size}x${size}.png`).toEqual({ width: size, height: size })
    }
    // electron-builder wants at least 256×256 for Linux and 512×512 for macOS; 1024 covers Retina.
    expect(Math.max(...ICON_SIZES)).toBe(1024)
    expect(pngSize(await readFile(join(BUILD, 'icon.png')))).toEqual({ width: 1024, height: 1024 })
  })

  it('has a Windows .ico from 16 to 256 px for the app, installer and uninstaller', async () => {
    expect(config.win.icon).toBe('build/icon.ico')
    expect(config.nsis.installerIcon).toBe('build/icon.ico')
    const entries = icoEntries(await readFile(join(ROOT, config.win.icon)))
    expect(entries.map((entry) => entry.size)).toEqual(ICO_SIZES)
    expect(entries.map((entry) => entry.size)).toContain(256)
    for (const entry of entries) expect(pngSize(entry.png)).toEqual({ width: entry.size, height: entry.size })
  })

  it('has a macOS .icns up to 1024 px (512@2x)', async () => {
    expect(config.mac.icon).toBe('build/icon.icns')
    const entries = icnsEntries(await readFile(join(ROOT, config.mac.icon)))
    const expected = new Map(ICNS_TYPES.map(([type, size]) => [type, size]))
    expect(entries.map((entry) => entry.type)).toEqual([...expected.keys()])
    for (const entry of entries) expect(pngSize(entry.png), entry.type).toEqual({ width: expected.get(entry.type), height: expected.get(entry.type) })
    expect(entries.map((entry) => entry.type)).toContain('ic10')
  })

  it('keeps the tray icons at 16 px and 32 px (@2x), and the SVG source they all come from', async () => {
    expect(pngSize(await readFile(join(BUILD, 'tray', 'tray.png')))).toEqual({ width: 16, height: 16 })
    expect(pngSize(await readFile(join(BUILD, 'tray', 'tray@2x.png')))).toEqual({ width: 32, height: 32 })
    expect(await readFile(join(BUILD, 'icon.svg'), 'utf8')).toMatch(/^<svg [^>]*viewBox="0 0 512 512"/)
  })

  it('writes .ico and .icns containers that read back (the encoders make-icons.mjs uses)', () => {
    const png = readFileSync(join(BUILD, 'icons', '16x16.png'))
    const big = readFileSync(join(BUILD, 'icons', '256x256.png'))
    expect(icoEntries(encodeIco([{ size: 16, png }, { size: 256, png: big }]))).toEqual([{ size: 16, png }, { size: 256, png: big }])
    expect(icnsEntries(encodeIcns([{ type: 'icp4', png }]))).toEqual([{ type: 'icp4', png }])
  })
})

describe('fuses (build/fuses.mjs)', () => {
  it('sets each fuse as issue 11 asks, and every other fuse explicitly', () => {
    expect(FUSES.version).toBe(FuseVersion.V1)
    expect(FUSES[FuseV1Options.RunAsNode]).toBe(false)
    expect(FUSES[FuseV1Options.EnableNodeOptionsEnvironmentVariable]).toBe(false)
    expect(FUSES[FuseV1Options.EnableNodeCliInspectArguments]).toBe(false)
    expect(FUSES[FuseV1Options.EnableEmbeddedAsarIntegrityValidation]).toBe(true)
    expect(FUSES[FuseV1Options.OnlyLoadAppFromAsar]).toBe(true)
    expect(FUSES[FuseV1Options.EnableCookieEncryption]).toBe(true)
    // The window loads from app://, so file:// keeps no extra privileges.
    expect(FUSES[FuseV1Options.GrantFileProtocolExtraPrivileges]).toBe(false)
    // Every fuse @electron/fuses knows is set, and a binary with more fails the package.
    const known = Object.values(FuseV1Options).filter((value): value is FuseV1Options => typeof value === 'number')
    for (const fuse of known) expect(typeof FUSES[fuse], FuseV1Options[fuse]).toBe('boolean')
    expect(FUSES.strictlyRequireAllFuses).toBe(true)
  })

  describe('applied by @electron/fuses to a stand-in binary', () => {
    let dir: string | undefined
    afterAll(async () => {
      if (dir) await rm(dir, { recursive: true, force: true })
    })

    /** What Electron compiles in: the sentinel, the wire version (1), its length, then '0'/'1' per fuse. */
    async function standIn(wire: string): Promise<string> {
      dir ??= await mkdtemp(join(tmpdir(), 'exitdesk-fuses-'))
      const path = join(dir, `electron-${wire}`)
      const sentinel = Buffer.from('dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX', 'ascii')
      await writeFile(path, Buffer.concat([Buffer.from('ELF…code…'), sentinel, Buffer.from([1, wire.length]), Buffer.from(wire, 'ascii'), Buffer.from('…more code')]))
      return path
    }

    it("flips Electron's defaults to ours", async () => {
      // Electron's defaults: RunAsNode, cookie encryption off, NODE_OPTIONS, inspect on, integrity and asar-only off, …
      const binary = await standIn('10110001')
      await flipFuses(binary, FUSES)
      const wire = await getCurrentFuseWire(binary)
      const on = (fuse: FuseV1Options): boolean => wire[fuse] === 49 // '1'
      expect(on(FuseV1Options.RunAsNode)).toBe(false)
      expect(on(FuseV1Options.EnableCookieEncryption)).toBe(true)
      expect(on(FuseV1Options.EnableNodeOptionsEnvironmentVariable)).toBe(false)
      expect(on(FuseV1Options.EnableNodeCliInspectArguments)).toBe(false)
      expect(on(FuseV1Options.EnableEmbeddedAsarIntegrityValidation)).toBe(true)
      expect(on(FuseV1Options.OnlyLoadAppFromAsar)).toBe(true)
      expect(on(FuseV1Options.GrantFileProtocolExtraPrivileges)).toBe(false)
    })

    it('fails the package when the binary has a fuse this list does not name', async () => {
      const binary = await standIn('101100011')
      await expect(flipFuses(binary, FUSES)).rejects.toThrow(/strictlyRequireAllFuses/)
    })
  })
})

describe('afterPack (build/after-pack.mjs)', () => {
  function context(electronPlatformName: string, arch: number) {
    const calls: Array<{ context: unknown; fuses: Record<string, unknown> }> = []
    const ctx = {
      electronPlatformName,
      arch,
      appOutDir: '/tmp/out',
      packager: { addElectronFuses: async (c: unknown, fuses: Record<string, unknown>) => void calls.push({ context: c, fuses }) },
    }
    return { ctx, calls }
  }

  it('flips the fuse list through electron-builder on every platform', async () => {
    for (const platform of ['linux', 'win32', 'darwin']) {
      const { ctx, calls } = context(platform, 1 /* x64 */)
      await afterPack(ctx as never)
      expect(calls).toHaveLength(1)
      expect(calls[0]?.context).toBe(ctx)
      expect(calls[0]?.fuses).toEqual({ ...FUSES, resetAdHocDarwinSignature: false })
    }
  })

  it('re-signs ad hoc an Apple Silicon build, whose changed binary would not start otherwise', async () => {
    const { ctx, calls } = context('darwin', 3 /* arm64 */)
    await afterPack(ctx as never)
    expect(calls[0]?.fuses).toMatchObject({ resetAdHocDarwinSignature: true })
  })

  it('is found by electron-builder the way it loads hooks (resolveFunction: the named export, else default)', async () => {
    const loaded = await resolveFunction<unknown>(undefined, config.afterPack, 'afterPack', ROOT)
    expect(typeof loaded).toBe('function')
    expect((loaded as { name: string }).name).toBe('afterPack')
  })
})
