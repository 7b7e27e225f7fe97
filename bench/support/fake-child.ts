/**
 * The DigitalOcean fake in a process of its own, with `EXITDESK_BENCH_DROPLETS` droplets seeded,
 * so a benchmark that measures main's CPU and memory measures main alone. Prints one JSON line
 * `{ url, token }` once it listens; exits when stdin closes (its parent went away).
 */
import { startFakeDigitalOcean } from '../../test/fakes/digitalocean'
import { seedDroplets } from './seed'

async function main(): Promise<void> {
  const count = Number(process.env.EXITDESK_BENCH_DROPLETS ?? '0')
  const fake = await startFakeDigitalOcean({ account: { droplet_limit: count + 10 }, requestBudget: Number.MAX_SAFE_INTEGER })
  seedDroplets(fake, count)
  process.stdout.write(`${JSON.stringify({ url: fake.url, token: fake.token })}\n`)
  process.stdin.resume()
  process.stdin.on('end', () => void fake.close().then(() => process.exit(0)))
}

void main()
