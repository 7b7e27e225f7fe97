// Runs the vitest suite inside a private, unlocked gnome-keyring session when there is no
// D-Bus session yet (CI, headless boxes), so the keychain tests use a real keyring.
import { spawnSync } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const vitest = [join(root, 'node_modules', 'vitest', 'vitest.mjs'), 'run', ...process.argv.slice(2)]
const hasTool = (tool) => spawnSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' }).status === 0
const wrap = !process.env.DBUS_SESSION_BUS_ADDRESS && hasTool('dbus-run-session') && hasTool('gnome-keyring-daemon')

const [command, args] = wrap ? [join(root, 'scripts', 'with-keyring.sh'), [process.execPath, ...vitest]] : [process.execPath, vitest]
if (!wrap && !process.env.DBUS_SESSION_BUS_ADDRESS) console.warn('No D-Bus session and no gnome-keyring here: the real-keychain tests will report why they cannot run.')
const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' })
process.exit(result.status ?? 1)
