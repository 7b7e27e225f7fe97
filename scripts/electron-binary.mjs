// Where the Electron binary is, or undefined when it is not installed. Reads path.txt instead
// of require('electron'): requiring it tries to download a missing binary. Shared by
// scripts/start.mjs and the tests that need (or must avoid) the binary.
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')

/** @returns {string | undefined} */
export function electronBinary() {
  const dir = join(root, 'node_modules', 'electron')
  const pathFile = join(dir, 'path.txt')
  if (!existsSync(pathFile)) return undefined
  const binary = join(dir, 'dist', readFileSync(pathFile, 'utf8').trim())
  return existsSync(binary) ? binary : undefined
}
