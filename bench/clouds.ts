/**
 * `npm run bench` (part 5): each cloud's user operations against its fake with 200 ms added to
 * every answer, round trips and time per operation. One process per cloud (each bench loads its
 * own SDK), one after another so they do not share the two cores.
 */
import { spawnSync } from 'node:child_process'

const CLOUDS = (process.env.BENCH_CLOUDS ?? 'ec2,gce,azure,hetzner,linode,vultr,scaleway,ovh,civo').split(',')

for (const cloud of CLOUDS) {
  console.log(`\n== ${cloud} ==`)
  const run = spawnSync(process.execPath, ['--import', 'tsx', `bench/cloud-${cloud}.ts`], { stdio: 'inherit' })
  if (run.status !== 0) process.exit(run.status ?? 1)
}
