/**
 * Certificate state per domain in the readiness check (HTTPS mode): a TLS handshake to the
 * host's own IPv4:443 with the domain as SNI, against loopback listeners with a self-signed
 * certificate for the right name ("untrusted") and one for another name ("wrong-name"). DNS is a
 * fake resolver; every socket goes to 127.0.0.x.
 */
import type { AddressInfo } from 'node:net'
import { createServer, type PeerCertificate, type Server } from 'node:tls'
import { afterEach, describe, expect, it } from 'vitest'
import { probeDeps, probeTunnel } from '../../src/main/hosts/readiness/probe'
import { classifyCertificate, realConnector, type Connector } from '../../src/main/hosts/readiness/sockets'
import { readinessFrom } from '../../src/main/hosts/readiness/summary'
import { tcpListener, tlsListener } from '../support/listeners'
import { NAMED_CERT, NAMED_CERT_ISSUER, NAMED_CERT_NAME, NAMED_CERT_VALID_TO, NAMED_KEY } from './tls-named-cert'

const open: Array<{ close(): Promise<void> }> = []
afterEach(async () => {
  await Promise.all(open.splice(0).map((listener) => listener.close()))
})
async function keep<T extends { close(): Promise<void> }>(listener: Promise<T>): Promise<T> {
  const started = await listener
  open.push(started)
  return started
}

/** A TLS server presenting the certificate made for NAMED_CERT_NAME only. */
async function namedTlsListener(address: string): Promise<{ port: number; close(): Promise<void> }> {
  const server: Server = createServer({ cert: NAMED_CERT, key: NAMED_KEY }, (socket) => socket.end())
  server.on('tlsClientError', () => undefined)
  await new Promise<void>((done, reject) => {
    server.once('error', reject)
    server.listen(0, address, () => done())
  })
  return { port: (server.address() as AddressInfo).port, close: () => new Promise<void>((done) => server.close(() => done())) }
}

/** Records every connection asked for, then does it for real. */
function counting(inner: Connector): Connector & { calls: string[] } {
  const calls: string[] = []
  return {
    calls,
    tls: (address, port, timeoutMs, signal) => (calls.push(`tls ${address}:${port}`), inner.tls(address, port, timeoutMs, signal)),
    tcp: (address, port, timeoutMs, signal) => (calls.push(`tcp ${address}:${port}`), inner.tcp(address, port, timeoutMs, signal)),
    certificate: (address, port, servername, timeoutMs, signal) => (calls.push(`cert ${address}:${port} ${servername}`), inner.certificate!(address, port, servername, timeoutMs, signal)),
  }
}

const signal = (): AbortSignal => AbortSignal.timeout(10_000)

describe('certificate state in the readiness check', () => {
  it('a self-signed certificate for the right name is "untrusted", with its issuer and end date, and the summary says so', async () => {
    const ip = '127.0.0.41'
    const [control, http, https] = await Promise.all([keep(tlsListener(ip)), keep(tcpListener(ip)), keep(namedTlsListener(ip))])
    const connector = counting(realConnector)
    const deps = probeDeps({ ports: { control: control.port, http: http.port, https: https.port }, connector, resolve4: async () => [ip] })
    const result = await probeTunnel({ ipv4: ip, mode: 'https', domains: [NAMED_CERT_NAME], httpsAnsweredBefore: true }, deps, signal())
    expect(result.domains?.[0]?.certificate).toEqual({ status: 'untrusted', issuer: NAMED_CERT_ISSUER, validTo: NAMED_CERT_VALID_TO, error: expect.stringContaining('not trusted') })
    // The tunnel itself works: the certificate does not change the status, only the sentence.
    expect(result.status).toBe('ready')
    expect(result.summary).toBe(`tunnel ready · ports ${http.port} and ${https.port} open · ${NAMED_CERT_NAME} points here · certificate for ${NAMED_CERT_NAME} not trusted yet (issued by ${NAMED_CERT_ISSUER})`)
    // Only the host's own address was contacted; the name went out as SNI only.
    expect(connector.calls.every((call) => call.includes(`${ip}:`))).toBe(true)
    expect(connector.calls).toContain(`cert ${ip}:${https.port} ${NAMED_CERT_NAME}`)
  })

  it('a certificate for another name is "wrong-name"', async () => {
    const ip = '127.0.0.42'
    const [control, http, https] = await Promise.all([keep(tlsListener(ip)), keep(tcpListener(ip)), keep(tlsListener(ip))])
    const deps = probeDeps({ ports: { control: control.port, http: http.port, https: https.port }, resolve4: async () => [ip] })
    const result = await probeTunnel({ ipv4: ip, mode: 'https', domains: ['www.exitdesk-owner.dev'], httpsAnsweredBefore: true }, deps, signal())
    // test/fixtures/tls: CN exitdesk-readiness-test, IP SAN 127.0.0.1 only.
    expect(result.domains?.[0]?.certificate).toMatchObject({ status: 'wrong-name', issuer: 'exitdesk-readiness-test', validTo: expect.stringMatching(/^2126-/), error: 'the certificate is not for www.exitdesk-owner.dev' })
    expect(result.summary).toContain('certificate on port 443 is not for www.exitdesk-owner.dev (issued by exitdesk-readiness-test)')
  })

  it('a port 443 that accepts but never speaks TLS gives "none" after the timeout, left out of the summary', async () => {
    const ip = '127.0.0.43'
    const [control, http, https] = await Promise.all([keep(tlsListener(ip)), keep(tcpListener(ip)), keep(tcpListener(ip))])
    const deps = probeDeps({ ports: { control: control.port, http: http.port, https: https.port }, resolve4: async () => [ip], timeoutMs: 200 })
    const result = await probeTunnel({ ipv4: ip, mode: 'https', domains: [NAMED_CERT_NAME], httpsAnsweredBefore: true }, deps, signal())
    expect(result.domains?.[0]?.certificate).toMatchObject({ status: 'none', error: expect.stringContaining('ETIMEDOUT') })
    expect(result.summary).toBe(`tunnel ready · ports ${http.port} and ${https.port} open · ${NAMED_CERT_NAME} points here`)
  })

  it('asks for no certificate at the first check, nor where 443 is closed, nor for an address the guard refuses', async () => {
    const ip = '127.0.0.44'
    const [control, http, https] = await Promise.all([keep(tlsListener(ip)), keep(tcpListener(ip)), keep(namedTlsListener(ip))])
    const connector = counting(realConnector)
    const deps = probeDeps({ ports: { control: control.port, http: http.port, https: https.port }, connector, resolve4: async () => [ip] })
    const first = await probeTunnel({ ipv4: ip, mode: 'https', domains: [NAMED_CERT_NAME] }, deps, signal())
    expect(first.domains?.[0]).not.toHaveProperty('certificate')
    await https.close()
    const closed = await probeTunnel({ ipv4: ip, mode: 'https', domains: [NAMED_CERT_NAME], httpsAnsweredBefore: true }, deps, signal())
    expect(closed.domains?.[0]).not.toHaveProperty('certificate')
    const documentation = await probeTunnel({ ipv4: '203.0.113.9', mode: 'https', domains: [NAMED_CERT_NAME], httpsAnsweredBefore: true }, deps, signal())
    expect(documentation.status).toBe('unknown')
    expect(connector.calls.filter((call) => call.startsWith('cert'))).toEqual([])
    expect(connector.calls.some((call) => call.includes('203.0.113.9'))).toBe(false)
  })

  it('classifies expired, valid and missing certificates from what the handshake reports', () => {
    const cert = (validTo: string, names = 'DNS:app.exitdesk-owner.dev'): PeerCertificate => ({ subject: { CN: 'app.exitdesk-owner.dev' }, issuer: { O: "Let's Encrypt", CN: 'R11' }, subjectaltname: names, valid_to: validTo }) as unknown as PeerCertificate
    const socket = (peer: PeerCertificate | Record<string, never>, authorized: boolean, authorizationError?: string) => ({ authorized, authorizationError, getPeerCertificate: () => peer })
    const now = Date.parse('2026-12-01T00:00:00Z')
    expect(classifyCertificate(socket(cert('Mar  1 00:00:00 2027 GMT'), true), NAMED_CERT_NAME, now)).toEqual({ status: 'valid', issuer: "Let's Encrypt", validTo: '2027-03-01T00:00:00.000Z' })
    expect(classifyCertificate(socket(cert('Nov  1 00:00:00 2026 GMT'), false, 'CERT_HAS_EXPIRED'), NAMED_CERT_NAME, now)).toMatchObject({ status: 'expired', validTo: '2026-11-01T00:00:00.000Z', error: 'the certificate expired on 2026-11-01' })
    expect(classifyCertificate(socket(cert('Mar  1 00:00:00 2027 GMT', 'DNS:other.example.org'), false, 'ERR_TLS_CERT_ALTNAME_INVALID'), NAMED_CERT_NAME, now)).toMatchObject({ status: 'wrong-name' })
    expect(classifyCertificate(socket({}, false), NAMED_CERT_NAME, now)).toMatchObject({ status: 'none' })
  })

  it('says an expired certificate where the domain points here, and nothing about certificates where it does not', () => {
    const ports = { control: 8123, http: 80, https: 443 }
    const expired = readinessFrom({ mode: 'https', control: true, ports: { http: true, https: true }, portNumbers: ports, domains: [{ name: 'a.exitdesk-owner.dev', resolvesTo: ['198.18.0.1'], pointsHere: true, certificate: { status: 'expired', validTo: '2026-11-01T00:00:00.000Z' } }] })
    expect(expired.summary).toBe('tunnel ready · ports 80 and 443 open · a.exitdesk-owner.dev points here · certificate for a.exitdesk-owner.dev expired on 2026-11-01')
    const elsewhere = readinessFrom({ mode: 'https', control: true, ports: { http: true, https: true }, portNumbers: ports, domains: [{ name: 'a.exitdesk-owner.dev', resolvesTo: ['198.18.0.2'], pointsHere: false, certificate: { status: 'untrusted' } }] })
    expect(elsewhere.summary).toBe('tunnel server answering · a.exitdesk-owner.dev points at 198.18.0.2, not this host')
  })
})
