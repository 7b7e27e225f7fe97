/**
 * Ubuntu 24.04 LTS for EC2, from Canonical's own publication, per region and architecture.
 *
 * First choice: Canonical's public SSM parameter
 *   /aws/service/canonical/ubuntu/server/24.04/stable/current/<amd64|arm64>/hvm/ebs-gp3/ami-id
 * (https://documentation.ubuntu.com/aws/aws-how-to/instances/find-ubuntu-images/ and
 * https://discourse.ubuntu.com/t/finding-ubuntu-images-with-the-aws-ssm-parameter-store/15507),
 * one small SSM GetParameter call that names the current image.
 *
 * Where the key may not call ssm:GetParameter (or the parameter is missing in a region): EC2
 * DescribeImages restricted to Canonical's owner id 099720109477 (the owner on every Ubuntu
 * image Canonical publishes, same pages), newest 24.04 server image of the architecture. The
 * name pattern only narrows Canonical's own images: an image anyone else publishes under the
 * same name is never considered, unlike inletsctl's name-only lookup.
 *
 * Cached per endpoint, region and architecture for CACHE_MS: one look-up serves every create.
 */
import { AppError } from '../../../shared/errors'
import type { Architecture } from './manifest'
import type { Ec2Api } from './client'

export const CANONICAL_OWNER_ID = '099720109477'
export const CACHE_MS = 6 * 60 * 60_000

export function ubuntuParameter(arch: Architecture): string {
  return `/aws/service/canonical/ubuntu/server/24.04/stable/current/${arch}/hvm/ebs-gp3/ami-id`
}

/** Canonical's image names for 24.04 ("noble") on gp3, e.g. ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-arm64-server-20250115. */
export function ubuntuNamePattern(arch: Architecture): string {
  return `ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-${arch}-server-*`
}

const AMI_ID = /^ami-[0-9a-f]{8,17}$/

interface Cached {
  imageId: string
  at: number
}

const cache = new Map<string, Cached>()
const pending = new Map<string, Promise<string>>()

/** Forget every cached image (tests). */
export function clearImageCache(): void {
  cache.clear()
  pending.clear()
}

/** The cached image for this region and architecture, if one was looked up recently. */
export function cachedImage(endpoint: string, region: string, arch: Architecture, now = Date.now()): string | undefined {
  const hit = cache.get(`${endpoint}|${region}|${arch}`)
  return hit && now - hit.at < CACHE_MS ? hit.imageId : undefined
}

/** The current Ubuntu 24.04 image id; concurrent callers share one look-up. */
export function resolveUbuntuImage(api: Ec2Api, endpoint: string, region: string, arch: Architecture, signal: AbortSignal): Promise<string> {
  const key = `${endpoint}|${region}|${arch}`
  const hit = cachedImage(endpoint, region, arch)
  if (hit) return Promise.resolve(hit)
  let running = pending.get(key)
  if (!running) {
    running = lookUp(api, region, arch, signal)
      .then((imageId) => {
        cache.set(key, { imageId, at: Date.now() })
        return imageId
      })
      .finally(() => pending.delete(key))
    pending.set(key, running)
  }
  return running
}

async function lookUp(api: Ec2Api, region: string, arch: Architecture, signal: AbortSignal): Promise<string> {
  let fromParameter: string | undefined
  try {
    fromParameter = await api.getParameter(region, ubuntuParameter(arch), signal)
  } catch (error) {
    // Only a refusal of the SSM call itself falls back; a timeout or a bad key fails the step.
    if (!(error instanceof AppError) || error.info.code !== 'forbidden') throw error
  }
  if (fromParameter !== undefined) {
    if (!AMI_ID.test(fromParameter)) throw new AppError({ code: 'provider-unavailable', message: 'AWS answered with something Exitdesk does not understand.', detail: 'GetParameter: the Ubuntu parameter is not an image id', retryable: true, outcome: 'none' })
    return fromParameter
  }
  const images = await api.describeImages(
    region,
    [CANONICAL_OWNER_ID],
    [
      { Name: 'name', Values: [ubuntuNamePattern(arch)] },
      { Name: 'architecture', Values: [arch === 'arm64' ? 'arm64' : 'x86_64'] },
      { Name: 'state', Values: ['available'] },
    ],
    signal,
  )
  const newest = images
    // The owner filter is the safeguard; checked again on the answer.
    .filter((image) => image.OwnerId === CANONICAL_OWNER_ID && typeof image.ImageId === 'string' && AMI_ID.test(image.ImageId))
    .sort((a, b) => (b.CreationDate ?? '').localeCompare(a.CreationDate ?? ''))[0]
  if (!newest?.ImageId) {
    throw new AppError({ code: 'not-found', message: `AWS has no Ubuntu 24.04 image from Canonical for ${arch} in ${region}. Pick another region or plan.`, retryable: false, outcome: 'none' })
  }
  return newest.ImageId
}
