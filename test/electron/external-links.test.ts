/**
 * Which links the window may hand to the user's browser (src/main/external-links.ts), and that
 * every console link the host details panel offers (src/main/clouds/<cloud>/console.ts) is one
 * of them, with the deep links each cloud's console documents.
 */
import { describe, expect, it } from 'vitest'
import { createRegistry } from '../../src/main/clouds/registry'
import type { ConsoleResourceKind } from '../../src/main/clouds/types'
import { allowedExternalHosts, isAllowedExternal } from '../../src/main/external-links'
import { hostDetails } from '../../src/main/hosts/host-details'
import { Redactor } from '../../src/main/redact'
import type { HostRecord } from '../../src/main/store/records'
import { toHost } from '../../src/main/store/records'
import type { CloudId, HostLocator } from '../../src/shared/domain'

const registry = createRegistry({ clock: { now: () => Date.parse('2026-12-01T00:00:00Z') } })
const manifests = registry.all().map((p) => p.manifest)

const SUBSCRIPTION = '11111111-2222-3333-4444-555555555555'

/** A host of each cloud as its adapter records it, with everything it can have attached. */
const samples: Record<Exclude<CloudId, 'simulator'>, { locator: HostLocator; credentials: Record<string, string> }> = {
  digitalocean: { locator: { instanceId: '3164494', region: 'lon1', attached: [{ kind: 'firewall', id: 'fb6045f1-cf1d-4ca3-bfac-18832663025b' }, { kind: 'tag', id: 'exitdesk-host-h1' }] }, credentials: {} },
  ec2: { locator: { instanceId: 'i-0abcdef1234567890', region: 'eu-west-2', attached: [{ kind: 'security-group', id: 'sg-0123456789abcdef0' }] }, credentials: {} },
  gce: { locator: { instanceId: '1234567890123', region: 'europe-west2-a', zone: 'europe-west2-a', attached: [{ kind: 'firewall', id: 'exitdesk-host-h1' }] }, credentials: { projectId: 'my-project-123' } },
  azure: { locator: { instanceId: 'exitdesk-h1/exit-1', region: 'uksouth', resourceGroup: 'exitdesk-h1', attached: [{ kind: 'tag', id: 'exitdesk-host-h1' }] }, credentials: { subscriptionId: SUBSCRIPTION } },
  hetzner: { locator: { instanceId: '42', region: 'nbg1', attached: [{ kind: 'firewall', id: '7' }, { kind: 'public-ip', id: '9' }] }, credentials: {} },
  linode: { locator: { instanceId: '40933549', region: 'gb-lon', attached: [{ kind: 'firewall', id: '105276419' }] }, credentials: {} },
  vultr: { locator: { instanceId: 'b2a8d3fa-326d-43bf-aaab-41e0a168be68', region: 'lhr', attached: [{ kind: 'firewall', id: 'f1' }] }, credentials: {} },
  scaleway: { locator: { instanceId: '6b1c1bb0-0000-4000-8000-000000000001', region: 'fr-par-1', zone: 'fr-par-1', attached: [{ kind: 'security-group', id: 'sg1' }, { kind: 'public-ip', id: 'ip1' }, { kind: 'disk', id: 'vol1' }] }, credentials: {} },
  ovh: { locator: { instanceId: 'inst-1', region: 'GRA11', attached: [] }, credentials: { projectId: 'bcc5927763514f499be7dff5af781d57' } },
  civo: { locator: { instanceId: 'c1', region: 'LON1', attached: [{ kind: 'firewall', id: 'fw1' }] }, credentials: {} },
}

function record(cloud: CloudId, locator: HostLocator): HostRecord {
  return { id: 'h1', name: 'exit-1', cloud, accountId: 'a1', region: locator.region, plan: 'p', state: 'active', rawStatus: 'running', createdAt: '2026-12-01T00:00:00.000Z', ipv4: '198.18.0.7', tunnel: { mode: 'https', inletsVersion: '0.11.14', domains: [], letsEncryptIssuer: 'prod' }, locator, discovered: false, phase: 'created', failures: 0 }
}

function details(cloud: CloudId, credentials: Record<string, string>, redactor = new Redactor()) {
  const sample = cloud === 'simulator' ? { locator: { instanceId: 'sim-1', region: 'sim-local-1', attached: [] } } : samples[cloud]
  const rec = record(cloud, sample.locator)
  return hostDetails({ record: rec, host: toHost(rec), provisioner: registry.get(cloud), credentials, redactor })
}

describe('external links', () => {
  it('allows https pages on the exact hosts the manifests name, and nothing else', () => {
    expect(allowedExternalHosts(manifests)).toContain('cloud.digitalocean.com')
    expect(isAllowedExternal('https://cloud.digitalocean.com/droplets/1', manifests)).toBe(true)
    expect(isAllowedExternal('https://docs.inlets.dev/', manifests)).toBe(true)
    expect(isAllowedExternal('http://cloud.digitalocean.com/', manifests)).toBe(false)
    expect(isAllowedExternal('https://cloud.digitalocean.com.evil.example/', manifests)).toBe(false)
    expect(isAllowedExternal('https://user:pw@cloud.digitalocean.com/', manifests)).toBe(false)
    expect(isAllowedExternal('https://cloud.digitalocean.com:8443/', manifests)).toBe(false)
    expect(isAllowedExternal('file:///etc/passwd', manifests)).toBe(false)
    expect(isAllowedExternal('not a url', manifests)).toBe(false)
  })

  it('every console link of every cloud is allowed, and every resource has the provider\'s word for it', () => {
    for (const cloud of Object.keys(samples) as Array<keyof typeof samples>) {
      const shown = details(cloud, samples[cloud].credentials)
      expect(shown.resources[0]).toMatchObject({ kind: 'instance', id: samples[cloud].locator.instanceId })
      expect(shown.resources.at(-1)).toMatchObject({ kind: 'ip-address', id: '198.18.0.7' })
      expect(shown.tags.length).toBeGreaterThan(0)
      expect(shown.image).toBeTruthy()
      for (const resource of shown.resources) {
        expect(resource.label, `${cloud} ${resource.kind}`).not.toBe('')
        if (resource.consoleUrl) expect(isAllowedExternal(resource.consoleUrl, manifests), `${cloud}: ${resource.consoleUrl}`).toBe(true)
      }
      expect(shown.resources.find((r) => r.kind === 'instance')?.consoleUrl, cloud).toMatch(/^https:\/\//)
    }
  })

  it('links the documented deep pages where they exist', () => {
    const url = (cloud: keyof typeof samples, kind: ConsoleResourceKind) => details(cloud, samples[cloud].credentials).resources.find((r) => r.kind === kind)?.consoleUrl
    expect(url('digitalocean', 'instance')).toBe('https://cloud.digitalocean.com/droplets/3164494')
    expect(url('digitalocean', 'firewall')).toBe('https://cloud.digitalocean.com/networking/firewalls/fb6045f1-cf1d-4ca3-bfac-18832663025b')
    expect(url('digitalocean', 'tag')).toBeUndefined()
    expect(url('ec2', 'instance')).toBe('https://console.aws.amazon.com/ec2/home?region=eu-west-2#InstanceDetails:instanceId=i-0abcdef1234567890')
    expect(url('ec2', 'security-group')).toBe('https://console.aws.amazon.com/ec2/home?region=eu-west-2#SecurityGroup:groupId=sg-0123456789abcdef0')
    expect(url('gce', 'instance')).toBe('https://console.cloud.google.com/compute/instancesDetail/zones/europe-west2-a/instances/exit-1?project=my-project-123')
    expect(url('gce', 'firewall')).toBe('https://console.cloud.google.com/networking/firewalls/details/exitdesk-host-h1?project=my-project-123')
    expect(url('azure', 'instance')).toBe(`https://portal.azure.com/#@/resource/subscriptions/${SUBSCRIPTION}/resourceGroups/exitdesk-h1/providers/Microsoft.Compute/virtualMachines/exit-1/overview`)
    expect(url('hetzner', 'instance')).toBe('https://console.hetzner.cloud/projects')
    expect(url('linode', 'instance')).toBe('https://cloud.linode.com/linodes/40933549')
    expect(url('linode', 'firewall')).toBe('https://cloud.linode.com/firewalls/105276419')
    expect(url('vultr', 'instance')).toBe('https://my.vultr.com/subs/?id=b2a8d3fa-326d-43bf-aaab-41e0a168be68')
    expect(url('scaleway', 'instance')).toBe('https://console.scaleway.com/instance/servers/fr-par-1/6b1c1bb0-0000-4000-8000-000000000001/overview')
    expect(url('scaleway', 'public-ip')).toBe('https://console.scaleway.com/instance/ips')
    expect(url('ovh', 'instance')).toBe('https://www.ovh.com/manager/#/public-cloud/pci/projects/bcc5927763514f499be7dff5af781d57/instances')
    expect(url('civo', 'instance')).toBe('https://dashboard.civo.com/instances/c1')
  })

  it('never offers a link that would carry a redacted value: the console list page instead', () => {
    const redactor = new Redactor()
    // Azure's subscription id and a GCE project id typed in the form are credential values main redacts.
    redactor.remember(SUBSCRIPTION)
    redactor.remember('my-project-123')
    const azure = details('azure', samples.azure.credentials, redactor)
    expect(azure.resources.find((r) => r.kind === 'instance')?.consoleUrl).toBe('https://portal.azure.com/#browse/resourcegroups')
    const gce = details('gce', samples.gce.credentials, redactor)
    expect(gce.resources.find((r) => r.kind === 'instance')?.consoleUrl).toBe('https://console.cloud.google.com/compute/instances')
    for (const resource of [...azure.resources, ...gce.resources]) expect(resource.consoleUrl ?? '').not.toContain('redacted')
  })

  it('the simulated cloud has no console links', () => {
    const shown = details('simulator', {})
    expect(shown.resources.every((r) => r.consoleUrl === undefined)).toBe(true)
  })
})
