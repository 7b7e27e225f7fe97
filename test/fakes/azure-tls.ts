/**
 * A throwaway TLS certificate for the fake Azure on 127.0.0.1, made at test start with the
 * system's `openssl` (no private key is kept in the repository). The Azure SDK refuses to
 * send a bearer token over plain http (`@azure/core-rest-pipeline` bearerTokenAuthenticationPolicy:
 * "Bearer token authentication is not permitted for non-TLS protected (non-https) URLs"),
 * so its fake must speak HTTPS with a certificate the client trusts:
 * - in this process through `tls.setDefaultCACertificates` (Node 22.19+/24.5+), which every
 *   TLS client without its own `ca` uses (node:https for the SDK and MSAL, undici for fetch);
 * - in child processes (the e2e web server) through NODE_EXTRA_CA_CERTS=<certFile>.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as tls from 'node:tls'

export interface FakeCertificate {
  cert: string
  key: string
  /** The certificate as a file, for NODE_EXTRA_CA_CERTS. */
  certFile: string
  dir: string
  remove(): void
}

/** True when `openssl` can be run here (the tests skip with a reason otherwise). */
export function opensslAvailable(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

/** A P-256 self-signed certificate for IP 127.0.0.1, valid for two days. */
export function makeCertificate(): FakeCertificate {
  const dir = mkdtempSync(join(tmpdir(), 'exitdesk-fake-azure-'))
  const keyFile = join(dir, 'key.pem')
  const certFile = join(dir, 'cert.pem')
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'],
    { stdio: 'ignore' },
  )
  return { cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8'), certFile, dir, remove: () => rmSync(dir, { recursive: true, force: true }) }
}

/** Makes this process trust `cert` in addition to the system's roots. */
export function trustInThisProcess(cert: string): void {
  const setDefault = (tls as unknown as { setDefaultCACertificates?: (certs: string[]) => void }).setDefaultCACertificates
  const getCerts = (tls as unknown as { getCACertificates?: (type: string) => string[] }).getCACertificates
  if (!setDefault || !getCerts) throw new Error('This Node has no tls.setDefaultCACertificates (needs Node 22.19+ or 24.5+); run the Azure tests on Node 24.')
  const current = getCerts('default')
  if (!current.includes(cert)) setDefault([...current, cert])
}
