// `npm run web`: build when the sources changed since the last build, then serve the app on
// 127.0.0.1 (the URL with its token is printed). EXITDESK_REBUILD=1 forces a build.
import { spawnSync } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { buildIsCurrent, newestInput, stampBuild } from './build-current.mjs'
import { CORE_NODE_FLAGS } from './node-flags.mjs'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
if (process.env.EXITDESK_REBUILD === '1' || !buildIsCurrent(root)) {
  const newest = newestInput(root)
  const build = spawnSync(process.execPath, [join(root, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'build'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] })
  if (build.status !== 0) process.exit(build.status ?? 1)
  stampBuild(root, newest)
}
const server = spawnSync(process.execPath, [...CORE_NODE_FLAGS, join(root, 'out', 'main', 'web.js')], { cwd: root, stdio: 'inherit' })
process.exit(server.status ?? 1)
