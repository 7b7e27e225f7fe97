/**
 * Which addresses the readiness prober may open a socket to, and which names it may ask DNS
 * about. A tunnel exit server has a globally reachable public IPv4; anything the IANA
 * special-purpose registries mark as not globally reachable cannot be one, and contacting it
 * would send packets somewhere nobody asked for: a documentation address handed out by the
 * simulated cloud or a test fake, the user's own LAN, or a cloud metadata service. Registries:
 *   https://www.iana.org/assignments/iana-ipv4-special-registry/
 *   https://www.iana.org/assignments/iana-ipv6-special-registry/
 * Loopback (127.0.0.0/8, ::1) is the one exception: tests listen there, and nothing sent to it
 * leaves the machine.
 *
 * Names reserved for examples and tests are never looked up, so a query for them never leaves
 * the machine either (RFC 2606, RFC 6761).
 */
import { BlockList, isIP } from 'node:net'

export type Verdict = { allowed: true } | { allowed: false; reason: string }

interface Range {
  network: string
  prefix: number
  reason: string
}

const REFUSED_IPV4: Range[] = [
  { network: '0.0.0.0', prefix: 8, reason: 'a "this network" address (RFC 1122)' },
  { network: '10.0.0.0', prefix: 8, reason: 'a private address (RFC 1918)' },
  // Carrier-grade NAT space: shared by an ISP's customers, never a VM's public address.
  { network: '100.64.0.0', prefix: 10, reason: 'a shared carrier-NAT address (RFC 6598)' },
  // Includes 169.254.169.254, the metadata service of most clouds.
  { network: '169.254.0.0', prefix: 16, reason: 'a link-local address (RFC 3927)' },
  { network: '172.16.0.0', prefix: 12, reason: 'a private address (RFC 1918)' },
  { network: '192.0.0.0', prefix: 24, reason: 'an IETF protocol address (RFC 6890)' },
  { network: '192.0.2.0', prefix: 24, reason: 'a documentation address (RFC 5737)' },
  { network: '192.168.0.0', prefix: 16, reason: 'a private address (RFC 1918)' },
  { network: '198.18.0.0', prefix: 15, reason: 'a benchmarking address (RFC 2544)' },
  { network: '198.51.100.0', prefix: 24, reason: 'a documentation address (RFC 5737)' },
  { network: '203.0.113.0', prefix: 24, reason: 'a documentation address (RFC 5737)' },
  { network: '224.0.0.0', prefix: 4, reason: 'a multicast address (RFC 5771)' },
  // Includes the limited broadcast address 255.255.255.255 (RFC 919).
  { network: '240.0.0.0', prefix: 4, reason: 'a reserved address (RFC 1112)' },
]

const REFUSED_IPV6: Range[] = [
  { network: '::', prefix: 128, reason: 'the unspecified address (RFC 4291)' },
  // The prober dials IPv4 itself; a mapped address is refused rather than unwrapped.
  { network: '::ffff:0:0', prefix: 96, reason: 'an IPv4-mapped address (RFC 4291)' },
  { network: '100::', prefix: 64, reason: 'a discard-only address (RFC 6666)' },
  { network: '2001:2::', prefix: 48, reason: 'a benchmarking address (RFC 5180)' },
  { network: '2001:db8::', prefix: 32, reason: 'a documentation address (RFC 3849)' },
  { network: 'fc00::', prefix: 7, reason: 'a unique local address (RFC 4193)' },
  { network: 'fe80::', prefix: 10, reason: 'a link-local address (RFC 4291)' },
  { network: 'ff00::', prefix: 8, reason: 'a multicast address (RFC 4291)' },
]

function blockListOf(ranges: Range[], family: 'ipv4' | 'ipv6'): Array<{ list: BlockList; reason: string }> {
  return ranges.map(({ network, prefix, reason }) => {
    const list = new BlockList()
    list.addSubnet(network, prefix, family)
    return { list, reason }
  })
}

const IPV4_BLOCKS = blockListOf(REFUSED_IPV4, 'ipv4')
const IPV6_BLOCKS = blockListOf(REFUSED_IPV6, 'ipv6')

/** Whether the prober may open a connection to `address` (an IP literal). */
export function mayContact(address: string): Verdict {
  const family = isIP(address)
  if (family === 0) return { allowed: false, reason: 'not an IP address' }
  const blocks = family === 4 ? IPV4_BLOCKS : IPV6_BLOCKS
  const type = family === 4 ? 'ipv4' : 'ipv6'
  const hit = blocks.find(({ list }) => list.check(address, type))
  return hit ? { allowed: false, reason: hit.reason } : { allowed: true }
}

/** Second-level names reserved for examples (RFC 2606 §3): they and every name under them. */
const EXAMPLE_DOMAINS = ['example.com', 'example.net', 'example.org']

/** Top-level names that are never delegated in the public DNS. */
const RESERVED_TLDS: Record<string, string> = {
  example: 'a reserved example name (RFC 2606)',
  test: 'a reserved test name (RFC 6761)',
  invalid: 'a reserved invalid name (RFC 6761)',
  localhost: 'a reserved loopback name (RFC 6761)',
  // Multicast DNS names: a unicast query for them would go to the configured DNS server.
  local: 'a multicast DNS name (RFC 6762)',
}

/** Whether the prober may ask DNS about `name`. */
export function mayResolve(name: string): Verdict {
  const normalized = name.trim().toLowerCase().replace(/\.$/, '')
  if (isIP(normalized) !== 0) return { allowed: false, reason: 'an IP address, not a name' }
  const labels = normalized.split('.')
  // A single label would be completed with the machine's search domains: not the public name asked about.
  if (labels.length < 2 || labels.some((label) => label === '')) return { allowed: false, reason: 'not a fully qualified name' }
  if (EXAMPLE_DOMAINS.some((reserved) => normalized === reserved || normalized.endsWith(`.${reserved}`))) {
    return { allowed: false, reason: 'a reserved example name (RFC 2606)' }
  }
  const tld = labels[labels.length - 1]!
  const reason = RESERVED_TLDS[tld]
  return reason ? { allowed: false, reason } : { allowed: true }
}
