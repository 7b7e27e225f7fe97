/** Puts DigitalOcean droplets carrying Exitdesk's tags straight into the fake's state (no API calls). */
import type { FakeDigitalOcean } from '../../test/fakes/digitalocean'

export const BENCH_REGIONS = ['lon1', 'fra1', 'nyc3', 'sgp1', 'ams3']

export function seedDroplets(fake: Pick<FakeDigitalOcean, 'state' | 'now'>, count: number): string[] {
  const ids: string[] = []
  for (let n = 0; n < count; n++) {
    const id = 5_000_000 + n
    fake.state.droplets.set(id, {
      id,
      name: `exit-scale-${n}`,
      region: BENCH_REGIONS[n % BENCH_REGIONS.length]!,
      size: 's-1vcpu-512mb-10gb',
      image: 'ubuntu-24-04-x64',
      tags: ['exitdesk', `exitdesk-host-scale-${n}`],
      ipv6Requested: false,
      monitoring: false,
      status: 'active',
      createdAtMs: fake.now(),
      gets: 0,
      ipv4: `198.51.100.${(n % 250) + 1}`,
      getsSinceDelete: 0,
    })
    ids.push(String(id))
  }
  return ids
}
