/** Every cloud the soak and the SIGKILL test run against, by name. */
import { azure } from './azure'
import { civo } from './civo'
import { digitalocean } from './digitalocean'
import { ec2 } from './ec2'
import { gce } from './gce'
import { hetzner } from './hetzner'
import { linode } from './linode'
import { ovh } from './ovh'
import { scaleway } from './scaleway'
import type { CloudModule, TargetCloud } from './types'
import { vultr } from './vultr'

export const CLOUDS: Record<TargetCloud, CloudModule> = { digitalocean, ec2, gce, azure, hetzner, linode, vultr, scaleway, ovh, civo }
export const CLOUD_NAMES = Object.keys(CLOUDS) as TargetCloud[]
