/**
 * The clouds Exitdesk offers, in the picker's order. Adding a cloud is one line in
 * `createProvisioners` (and its import); the
 * renderer's picker, credential form and host table are driven by each manifest.
 */
import type { CloudId } from '../../shared/domain'
import type { Clock } from '../clock'
import { createAzureProvisioner } from './azure'
import { createCivoProvisioner } from './civo'
import { createDigitalOceanProvisioner } from './digitalocean'
import { createEc2Provisioner } from './ec2'
import { createGceProvisioner } from './gce'
import { createHetznerProvisioner } from './hetzner'
import { createLinodeProvisioner } from './linode'
import { createOvhProvisioner } from './ovh'
import { createSimulatorProvisioner } from './simulator'
import { createScalewayProvisioner } from './scaleway'
import type { Provisioner } from './types'
import { createVultrProvisioner } from './vultr'

export interface Registry {
  get(cloud: CloudId): Provisioner | undefined
  all(): Provisioner[]
}

export interface RegistryOptions {
  clock: Clock
  /** Where the simulated cloud keeps its state (omit in tests for memory only). */
  stateDir?: string
  /** Tests may replace or add provisioners (e.g. a deliberately failing one). */
  extra?: Provisioner[]
}

function createProvisioners(options: RegistryOptions): Provisioner[] {
  return [
    createSimulatorProvisioner({ clock: options.clock, stateDir: options.stateDir }),
    createDigitalOceanProvisioner(),
    createEc2Provisioner(),
    createGceProvisioner(),
    createAzureProvisioner(),
    createHetznerProvisioner(),
    createLinodeProvisioner(),
    createVultrProvisioner(),
    createScalewayProvisioner(),
    createOvhProvisioner(),
    createCivoProvisioner(),
  ]
}

export function createRegistry(options: RegistryOptions): Registry {
  const byId = new Map<CloudId, Provisioner>()
  for (const provisioner of [...createProvisioners(options), ...(options.extra ?? [])]) byId.set(provisioner.manifest.id, provisioner)
  return {
    get: (cloud) => byId.get(cloud),
    all: () => [...byId.values()],
  }
}
