// `npm run web`: build once, then serve the app on 127.0.0.1 (the URL with its token is printed).
import { spawnSync } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const build = spawnSync(process.execPath, [join(root, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'build'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] })
if (build.status !== 0) process.exit(build.status ?? 1)
const server = spawnSync(process.execPath, [join(root, 'out', 'main', 'web.js')], { cwd: root, stdio: 'inherit' })
process.exit(server.status ?? 1)
