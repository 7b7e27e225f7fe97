/** Azure's two status fields → one HostState (src/main/clouds/azure/state.ts). */
import { describe, expect, it } from 'vitest'
import { rawVmStatus, statusCodes, vmState } from '../../src/main/clouds/azure/state'
import { observe } from '../../src/main/clouds/azure'

describe('Azure VM state', () => {
  it.each([
    [{ provisioningState: 'Creating' }, 'provisioning'],
    [{ provisioningState: 'Creating', power: 'starting' }, 'provisioning'],
    [{ provisioningState: 'Succeeded', power: 'starting' }, 'provisioning'],
    [{ provisioningState: 'Succeeded', power: 'running' }, 'active'],
    [{ provisioningState: 'Updating', power: 'running' }, 'active'],
    [{ provisioningState: 'Succeeded', power: 'stopping' }, 'stopping'],
    [{ provisioningState: 'Succeeded', power: 'deallocating' }, 'stopping'],
    [{ provisioningState: 'Succeeded', power: 'stopped' }, 'stopped'],
    [{ provisioningState: 'Succeeded', power: 'deallocated' }, 'stopped'],
    [{ provisioningState: 'Deleting', power: 'running' }, 'deleting'],
    [{ provisioningState: 'Failed', power: 'running' }, 'error'],
    [{ provisioningState: 'Succeeded', power: 'unknown' }, 'unknown'],
    [{ provisioningState: 'Succeeded', power: 'hibernated-someday' }, 'unknown'],
    [{ provisioningState: 'Succeeded' }, 'unknown'],
    [{}, 'unknown'],
  ] as const)('%j → %s', (status, expected) => {
    expect(vmState(status)).toBe(expected)
  })

  it('reads both codes from an instance view and keeps both words as the raw status', () => {
    const codes = statusCodes([{ code: 'ProvisioningState/succeeded' }, { code: 'PowerState/deallocated' }])
    expect(codes).toEqual({ provisioning: 'succeeded', power: 'deallocated' })
    expect(rawVmStatus({ provisioningState: 'Succeeded', power: 'deallocated' })).toBe('Succeeded, PowerState/deallocated')
  })

  it('observes a listed VM (statusOnly: no provisioningState field) from its instance view, as group/name lower-cased', () => {
    const observation = observe(
      {
        id: '/subscriptions/S/resourceGroups/EXITDESK-HOST-X/providers/Microsoft.Compute/virtualMachines/exit-a',
        name: 'exit-a',
        location: 'uksouth',
        tags: { exitdesk: '', 'exitdesk-host-x': '' },
        instanceView: { statuses: [{ code: 'ProvisioningState/succeeded' }, { code: 'PowerState/running' }] },
      },
      '198.51.100.7',
    )
    expect(observation).toMatchObject({ instanceId: 'exitdesk-host-x/exit-a', state: 'active', rawStatus: 'Succeeded, PowerState/running', ipv4: '198.51.100.7', tags: ['exitdesk', 'exitdesk-host-x'] })
  })
})

describe('Azure endpoints and authority', () => {
  it('pairs the public and sovereign ARM hosts with their Entra ID hosts, with instance discovery on', async () => {
    const { cloudEndpoints } = await import('../../src/main/clouds/azure/client')
    expect(cloudEndpoints('https://management.azure.com')).toEqual({ arm: 'https://management.azure.com', authorityHost: 'https://login.microsoftonline.com', scope: 'https://management.azure.com/.default', knownCloud: true })
    expect(cloudEndpoints('https://management.usgovcloudapi.net/').authorityHost).toBe('https://login.microsoftonline.us')
    expect(cloudEndpoints('https://management.chinacloudapi.cn').authorityHost).toBe('https://login.chinacloudapi.cn')
    expect(cloudEndpoints('').arm).toBe('https://management.azure.com')
  })

  it('asks any other endpoint (a fake, a proxy) for tokens itself, never login.microsoftonline.com', async () => {
    const { cloudEndpoints } = await import('../../src/main/clouds/azure/client')
    expect(cloudEndpoints('https://127.0.0.1:8443')).toEqual({ arm: 'https://127.0.0.1:8443', authorityHost: 'https://127.0.0.1:8443', scope: 'https://127.0.0.1:8443/.default', knownCloud: false })
  })

  it('refuses a plain-http endpoint in a sentence (Azure sends tokens over TLS only)', async () => {
    const { cloudEndpoints } = await import('../../src/main/clouds/azure/client')
    expect(() => cloudEndpoints('http://127.0.0.1:8080')).toThrow(/must use https/)
    expect(() => cloudEndpoints('not a url')).toThrow(/not a URL/)
  })
})

describe('Azure SDKs load lazily', () => {
  it('no Azure module imports an SDK at load time: only types statically, the SDKs through import() in client.ts', async () => {
    const { readFileSync, readdirSync } = await import('node:fs')
    const folder = 'src/main/clouds/azure'
    const runtime: string[] = []
    for (const file of readdirSync(folder).filter((name) => name.endsWith('.ts'))) {
      const text = readFileSync(`${folder}/${file}`, 'utf8')
      for (const line of text.split('\n')) if (/^import (?!type )[^;]*from '@azure\//.test(line)) runtime.push(`${file}: ${line}`)
    }
    expect(runtime).toEqual([])
    const client = readFileSync(`${folder}/client.ts`, 'utf8')
    for (const sdk of ['@azure/identity', '@azure/arm-resources', '@azure/arm-network', '@azure/arm-compute']) expect(client).toContain(`import('${sdk}')`)
  })
})
