/**
 * One DigitalOcean API address in front of several fakes, one per team: each request goes to
 * the fake whose token it carries, as the real API answers each token in its own team. Lets a
 * test give two teams' tokens the SAME endpoint, so only the token tells the accounts apart.
 * 127.0.0.1 only, random port.
 */
import { createServer, request, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { FakeDigitalOcean } from './digitalocean'
import { closeServer } from './http-server'

export interface TeamRouter {
  url: string
  close(): Promise<void>
}

export async function startTeamRouter(teams: FakeDigitalOcean[]): Promise<TeamRouter> {
  const server = createServer((incoming, outgoing) => {
    // An unknown token goes to the first team, whose fake answers it with 401 like the real API.
    const team = teams.find((t) => incoming.headers.authorization === `Bearer ${t.token}`) ?? teams[0]!
    const target = new URL(incoming.url ?? '/', team.url)
    const forwarded = request(target, { method: incoming.method, headers: incoming.headers }, (answer: IncomingMessage) => {
      outgoing.writeHead(answer.statusCode ?? 502, answer.headers)
      answer.pipe(outgoing)
    })
    forwarded.on('error', () => {
      outgoing.writeHead(502)
      outgoing.end()
    })
    incoming.pipe(forwarded)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => closeServer(server),
  }
}
