// Whether `out/` was built from the sources as they are now, so `npm run web` (and `npm start`'s
// fallback to it) starts at once instead of rebuilding every time. The build writes a stamp with
// the newest modification time of its inputs; a source changed since (or a missing stamp, or a
// missing entry) means build again.
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

/** What the build reads: the sources, the configs, the locked dependencies. */
const INPUTS = ['src', 'package.json', 'package-lock.json', 'electron.vite.config.ts', 'tsconfig.json', 'tsconfig.base.json', 'tsconfig.node.json', 'tsconfig.web.json', 'build']
const STAMP = join('out', '.build-inputs.json')
const OUTPUTS = [join('out', 'main', 'web.js'), join('out', 'main', 'index.js'), join('out', 'renderer', 'index.html')]

/** The newest modification time (ms) among the build's inputs under `root`. */
export function newestInput(root) {
  let newest = 0
  const visit = (path) => {
    let info
    try {
      info = statSync(path)
    } catch {
      return
    }
    if (info.isDirectory()) for (const entry of readdirSync(path)) visit(join(path, entry))
    else newest = Math.max(newest, info.mtimeMs)
  }
  for (const input of INPUTS) visit(join(root, input))
  return newest
}

export function buildIsCurrent(root) {
  if (!OUTPUTS.every((output) => existsSync(join(root, output)))) return false
  try {
    const stamp = JSON.parse(readFileSync(join(root, STAMP), 'utf8'))
    return typeof stamp.newestInput === 'number' && stamp.newestInput >= newestInput(root)
  } catch {
    return false
  }
}

/** Called after a successful build with the inputs' newest time taken BEFORE it started. */
export function stampBuild(root, newest) {
  writeFileSync(join(root, STAMP), `${JSON.stringify({ newestInput: newest })}\n`)
}
