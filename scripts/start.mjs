// `npm start`: the Electron app when its binary is installed and a display exists;
// otherwise the same app in the browser (`npm run web`), saying so plainly.
import { spawnSync } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { electronBinary } from './electron-binary.mjs'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')

const hasDisplay = process.platform !== 'linux' || Boolean(process.env.DISPLAY || process.env.WAYLAND_DISPLAY)
const binary = electronBinary()
const run = (args) => spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' }).status ?? 1

if (binary && hasDisplay) {
  process.exit(run([join(root, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'preview']))
}
console.log(
  binary
    ? 'No display found, so Exitdesk starts in your browser instead of its own window.'
    : 'The Electron binary is not installed here (it could not be downloaded), so Exitdesk starts in your browser instead.\n' +
        'To get the desktop window later: `npx install-electron` on a machine that can download it, then `npm start`.',
)
process.exit(run([join(root, 'scripts', 'web.mjs')]))
