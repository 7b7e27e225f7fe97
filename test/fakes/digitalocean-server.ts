/**
 * Runs the fake DigitalOcean API for end-to-end tests: prints one JSON line
 * `{"url":...,"token":...}` to stdout, then serves until killed (SIGTERM/SIGINT).
 *
 *   npx tsx test/fakes/digitalocean-server.ts ['{"activateAfterMs":1000}']
 *
 * The optional argument is a JSON object of FakeDigitalOceanOptions.
 */
import { startFakeDigitalOcean, type FakeDigitalOceanOptions } from './digitalocean'

async function main(): Promise<void> {
  const argument = process.argv[2]
  const options = (argument ? JSON.parse(argument) : {}) as FakeDigitalOceanOptions
  const fake = await startFakeDigitalOcean(options)
  process.stdout.write(`${JSON.stringify({ url: fake.url, token: fake.token })}\n`)
  const stop = (): void => {
    void fake.close().then(() => process.exit(0))
  }
  process.once('SIGTERM', stop)
  process.once('SIGINT', stop)
}

main().catch((error: unknown) => {
  process.stderr.write(`fake DigitalOcean failed to start: ${error instanceof Error ? error.message : String(error)}\n`)
  process.exit(1)
})
