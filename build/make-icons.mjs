// Makes every icon file electron-builder and the tray need from the one hand-written source,
// build/icon.svg, with what the project already has: Chromium (the e2e tests' browser, through
// playwright-core) draws the SVG at each size on a transparent background, and the .ico and
// .icns containers are written here, since both may simply wrap PNG images.
//
//   node build/make-icons.mjs        (needs /usr/bin/chromium, or CHROMIUM=/path/to/chrome)
//
// Outputs (committed, so packaging needs no browser):
//   build/icon.png            1024×1024, macOS/Windows fallback and the source electron-builder converts from
//   build/icons/NxN.png       16…1024, Linux: electron-builder reads a folder of NxN.png
//                             https://www.electron.build/icons#linux
//   build/icon.icns           macOS (PNG-backed entries, macOS 10.7+)  https://www.electron.build/icons#macos
//   build/icon.ico            Windows, 16…256 (PNG-backed entries, Windows Vista+)  https://www.electron.build/icons#windows
//   build/tray/tray.png, tray@2x.png   the tray icon (16/32 px: Electron picks @2x on HiDPI screens)
//                             https://www.electronjs.org/docs/latest/api/native-image#high-resolution-image
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright-core'

const here = dirname(fileURLToPath(import.meta.url))
export const ICON_SIZES = [16, 32, 48, 64, 128, 256, 512, 1024]
/** What a Windows .ico holds: 256 is the largest the format describes (width byte 0). */
export const ICO_SIZES = [16, 24, 32, 48, 64, 128, 256]
/** The PNG-backed ICNS types and their pixel sizes (Apple's icns format, as read by iconutil). */
export const ICNS_TYPES = [
  ['icp4', 16],
  ['icp5', 32],
  ['icp6', 64],
  ['ic07', 128],
  ['ic08', 256],
  ['ic09', 512],
  ['ic10', 1024],
  ['ic11', 32],
  ['ic12', 64],
  ['ic13', 256],
  ['ic14', 512],
]

/** A Windows icon file whose entries are whole PNG files (ICONDIR + ICONDIRENTRY each). */
export function encodeIco(images) {
  const header = Buffer.alloc(6 + 16 * images.length)
  header.writeUInt16LE(0, 0) // reserved
  header.writeUInt16LE(1, 2) // 1 = icon
  header.writeUInt16LE(images.length, 4)
  let offset = header.length
  images.forEach(({ size, png }, index) => {
    const entry = 6 + 16 * index
    header.writeUInt8(size >= 256 ? 0 : size, entry) // 0 means 256
    header.writeUInt8(size >= 256 ? 0 : size, entry + 1)
    header.writeUInt8(0, entry + 2) // no palette
    header.writeUInt8(0, entry + 3)
    header.writeUInt16LE(1, entry + 4) // colour planes
    header.writeUInt16LE(32, entry + 6) // bits per pixel
    header.writeUInt32LE(png.length, entry + 8)
    header.writeUInt32LE(offset, entry + 12)
    offset += png.length
  })
  return Buffer.concat([header, ...images.map((image) => image.png)])
}

/** An Apple icon file: 'icns' + total length, then per entry a 4-byte type, its length (header included) and the PNG. */
export function encodeIcns(entries) {
  const chunks = entries.map(({ type, png }) => {
    const head = Buffer.alloc(8)
    head.write(type, 0, 'ascii')
    head.writeUInt32BE(png.length + 8, 4)
    return Buffer.concat([head, png])
  })
  const head = Buffer.alloc(8)
  head.write('icns', 0, 'ascii')
  head.writeUInt32BE(8 + chunks.reduce((sum, chunk) => sum + chunk.length, 0), 4)
  return Buffer.concat([head, ...chunks])
}

async function render(svg, sizes) {
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox'] })
  try {
    const page = await browser.newPage()
    const pngs = new Map()
    for (const size of sizes) {
      await page.setViewportSize({ width: size, height: size })
      const body = svg.replace('<svg ', `<svg width="${size}" height="${size}" `)
      await page.setContent(`<!doctype html><html><body style="margin:0;background:transparent">${body}</body></html>`)
      pngs.set(size, await page.locator('svg').screenshot({ omitBackground: true, type: 'png' }))
    }
    return pngs
  } finally {
    await browser.close()
  }
}

async function main() {
  const svg = await readFile(join(here, 'icon.svg'), 'utf8')
  const pngs = await render(svg, [...new Set([...ICON_SIZES, ...ICO_SIZES])])
  const png = (size) => pngs.get(size)
  await mkdir(join(here, 'icons'), { recursive: true })
  await mkdir(join(here, 'tray'), { recursive: true })
  for (const size of ICON_SIZES) await writeFile(join(here, 'icons', `${size}x${size}.png`), png(size))
  await writeFile(join(here, 'icon.png'), png(1024))
  await writeFile(join(here, 'icon.ico'), encodeIco(ICO_SIZES.map((size) => ({ size, png: png(size) }))))
  await writeFile(join(here, 'icon.icns'), encodeIcns(ICNS_TYPES.map(([type, size]) => ({ type, png: png(size) }))))
  await writeFile(join(here, 'tray', 'tray.png'), png(16))
  await writeFile(join(here, 'tray', 'tray@2x.png'), png(32))
  console.log(`icons written to ${here}`)
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main()
