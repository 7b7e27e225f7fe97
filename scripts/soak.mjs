// `npm run soak`: the soak and SIGKILL tests of test/soak/ with larger counts than `npm test`
// gives them, for every cloud, on their own (not part of `npm test`). Every count can be set:
//
//   EXITDESK_SOAK_RUNS       rate x cycles per run, for every cloud, default "0.1x2000,0.3x1000"
//   EXITDESK_SOAK_SEED       base seed of the soak runs (each prints its own)
//   EXITDESK_SOAK_CLOUDS     default: every cloud of test/soak/targets/ and the simulated one
//                            (digitalocean,ec2,gce,azure,hetzner,linode,vultr,simulator)
//   EXITDESK_SOAK_LANES      parallel users, default 4
//   EXITDESK_SOAK_PARALLEL   soak runs at the same time, default 4
//   EXITDESK_SIGKILL_KILLS   random SIGKILLs per cloud, default 100
//   EXITDESK_SIGKILL_SEED    seed of the random SIGKILLs
//   EXITDESK_SIGKILL_CLOUDS  default: every cloud of test/soak/targets/
//
// Extra arguments go to vitest, e.g. `npm run soak -- test/soak/soak.test.ts`.
import { spawnSync } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const env = {
  ...process.env,
  EXITDESK_SOAK_RUNS: process.env.EXITDESK_SOAK_RUNS ?? '0.1x2000,0.3x1000',
  EXITDESK_SIGKILL_KILLS: process.env.EXITDESK_SIGKILL_KILLS ?? '100',
}
const args = process.argv.slice(2)
const vitest = [join(root, 'node_modules', 'vitest', 'vitest.mjs'), 'run', ...(args.length > 0 ? args : ['test/soak/'])]
const shown = ['EXITDESK_SOAK_RUNS', 'EXITDESK_SIGKILL_KILLS', 'EXITDESK_SOAK_SEED', 'EXITDESK_SOAK_CLOUDS', 'EXITDESK_SIGKILL_SEED', 'EXITDESK_SIGKILL_CLOUDS'].filter((name) => env[name])
console.log(`soak: ${shown.map((name) => `${name}=${env[name]}`).join(' ')}`)
const result = spawnSync(process.execPath, vitest, { cwd: root, stdio: 'inherit', env })
process.exit(result.status ?? 1)
