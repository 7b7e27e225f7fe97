// `npm run soak`: the soak and SIGKILL tests of test/soak/ with larger counts than `npm test`
// gives them, on their own (not part of `npm test`). Every count can be set:
//
//   EXITDESK_SOAK_RUNS     rate x cycles per run, default "0.1x2000,0.3x1000"
//   EXITDESK_SOAK_SEED     base seed of the soak runs (each prints its own)
//   EXITDESK_SOAK_CLOUDS   default "digitalocean,simulator"
//   EXITDESK_SOAK_LANES    parallel users, default 4
//   EXITDESK_SIGKILL_KILLS random SIGKILLs, default 100
//   EXITDESK_SIGKILL_SEED  seed of the random SIGKILLs
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
console.log(`soak: EXITDESK_SOAK_RUNS=${env.EXITDESK_SOAK_RUNS} EXITDESK_SIGKILL_KILLS=${env.EXITDESK_SIGKILL_KILLS}${env.EXITDESK_SOAK_SEED ? ` EXITDESK_SOAK_SEED=${env.EXITDESK_SOAK_SEED}` : ''}`)
const result = spawnSync(process.execPath, vitest, { cwd: root, stdio: 'inherit', env })
process.exit(result.status ?? 1)
