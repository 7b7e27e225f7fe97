/** Every cloud the soak and the SIGKILL test run against, by name. */
import { azure } from './azure'
import { digitalocean } from './digitalocean'
import { ec2 } from './ec2'
import { gce } from './gce'
import { hetzner } from './hetzner'
import { linode } from './linode'
import type { CloudModule, TargetCloud } from './types'
import { vultr } from './vultr'

export const CLOUDS: Record<TargetCloud, CloudModule> = { digitalocean, ec2, gce, azure, hetzner, linode, vultr }
export const CLOUD_NAMES = Object.keys(CLOUDS) as TargetCloud[]
