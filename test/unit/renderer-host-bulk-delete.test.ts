import { beforeEach, describe, expect, it } from 'vitest'
import type { Host } from '../../src/shared/domain'
import { deleteHosts } from '../../src/renderer/src/lib/host-view'

const sent: string[] = []
let inFlight = 0
let mostInFlight = 0
const refused = new Map<string, Error>()

/** What the window's `hosts:delete` does here: answers out of order (the later hosts first), refuses some. */
async function send(hostId: string): Promise<unknown> {
  sent.push(hostId)
  inFlight++
  mostInFlight = Math.max(mostInFlight, inFlight)
  await new Promise((done) => setTimeout(done, 20 - sent.length))
  inFlight--
  const refusal = refused.get(hostId)
  if (refusal) throw refusal
  return {}
}

const host = (n: number): Host =>
  ({ id: `h${n}`, name: `exit-${n}`, state: 'active', tunnel: { mode: 'tcp', domains: [] }, locator: { region: 'r', attached: [] } }) as unknown as Host

describe('bulk delete: one hosts:delete per host', () => {
  beforeEach(() => {
    sent.length = 0
    inFlight = 0
    mostInFlight = 0
    refused.clear()
  })

  it('sends a delete for each host, a few at a time, and reports them in the order listed', async () => {
    const hosts = Array.from({ length: 10 }, (_, n) => host(n + 1))
    const outcome = await deleteHosts(hosts, send)
    expect(sent).toEqual(hosts.map((h) => h.id))
    expect(mostInFlight).toBeLessThanOrEqual(4)
    expect(mostInFlight).toBeGreaterThan(1)
    expect(outcome.sent.map((h) => h.id)).toEqual(hosts.map((h) => h.id))
    expect(outcome.failed).toEqual([])
  })

  it('a refusal is kept with its host and does not stop the others', async () => {
    const error = new Error('not found')
    refused.set('h2', error)
    const outcome = await deleteHosts([host(1), host(2), host(3)], send)
    expect(outcome.sent.map((h) => h.id)).toEqual(['h1', 'h3'])
    expect(outcome.failed).toEqual([{ host: host(2), error }])
  })

  it('nothing to delete: nothing sent', async () => {
    expect(await deleteHosts([], send)).toEqual({ sent: [], failed: [] })
    expect(sent).toEqual([])
  })
})
