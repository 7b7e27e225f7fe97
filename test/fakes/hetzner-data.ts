/**
 * The catalogue the fake Hetzner Cloud API answers with: locations, server types with
 * per-location prices, system images and the price list. Shapes follow the official API
 * description (docs.hetzner.cloud/cloud.spec.json); names follow Hetzner's real ones, but the
 * PRICES ARE EXAMPLE FIGURES for tests, not Hetzner's list prices (read those live).
 */

export interface FakeLocation {
  id: number
  name: string
  description: string
  country: string
  city: string
  latitude: number
  longitude: number
  network_zone: string
}

export const FAKE_LOCATIONS: FakeLocation[] = [
  { id: 1, name: 'fsn1', description: 'Falkenstein DC Park 1', country: 'DE', city: 'Falkenstein', latitude: 50.47612, longitude: 12.370071, network_zone: 'eu-central' },
  { id: 2, name: 'nbg1', description: 'Nuremberg DC Park 1', country: 'DE', city: 'Nuremberg', latitude: 49.452102, longitude: 11.076665, network_zone: 'eu-central' },
  { id: 3, name: 'hel1', description: 'Helsinki DC Park 1', country: 'FI', city: 'Helsinki', latitude: 60.169855, longitude: 24.938379, network_zone: 'eu-central' },
  { id: 4, name: 'ash', description: 'Ashburn, VA', country: 'US', city: 'Ashburn, VA', latitude: 39.045821, longitude: -77.487073, network_zone: 'us-east' },
  { id: 5, name: 'hil', description: 'Hillsboro, OR', country: 'US', city: 'Hillsboro, OR', latitude: 45.54222, longitude: -122.951924, network_zone: 'us-west' },
  { id: 6, name: 'sin', description: 'Singapore', country: 'SG', city: 'Singapore', latitude: 1.283333, longitude: 103.833333, network_zone: 'ap-southeast' },
]

export interface FakeServerType {
  id: number
  name: string
  description: string
  cores: number
  memory: number
  disk: number
  architecture: 'x86' | 'arm'
  cpu_type: 'shared' | 'dedicated'
  deprecated: boolean
  /** Monthly net price per location name (example figures). */
  monthly: Record<string, number>
}

const EU = ['fsn1', 'nbg1', 'hel1']
const each = (names: string[], price: number): Record<string, number> => Object.fromEntries(names.map((name) => [name, price]))

export const FAKE_SERVER_TYPES: FakeServerType[] = [
  // Deprecated and no longer sold: must not be offered.
  { id: 22, name: 'cx22', description: 'CX22', cores: 2, memory: 4, disk: 40, architecture: 'x86', cpu_type: 'shared', deprecated: true, monthly: each(EU, 3.79) },
  { id: 104, name: 'cx23', description: 'CX23', cores: 2, memory: 4, disk: 40, architecture: 'x86', cpu_type: 'shared', deprecated: false, monthly: each(EU, 4.11) },
  { id: 45, name: 'cax11', description: 'CAX11', cores: 2, memory: 4, disk: 40, architecture: 'arm', cpu_type: 'shared', deprecated: false, monthly: each(EU, 4.49) },
  { id: 108, name: 'cpx12', description: 'CPX12', cores: 1, memory: 2, disk: 40, architecture: 'x86', cpu_type: 'shared', deprecated: false, monthly: { ...each(EU, 6.49), ash: 7.49, hil: 7.49, sin: 8.99 } },
  { id: 105, name: 'cx33', description: 'CX33', cores: 4, memory: 8, disk: 80, architecture: 'x86', cpu_type: 'shared', deprecated: false, monthly: each(EU, 6.99) },
]

/** Primary IPv4, net a month per location (example figures). */
export const FAKE_IPV4_MONTHLY: Record<string, number> = { ...each(EU, 0.5), ash: 0.6, hil: 0.6, sin: 0.7 }

export interface FakeImage {
  id: number
  name: string
  description: string
  os_flavor: 'ubuntu' | 'debian'
  os_version: string
  architecture: 'x86' | 'arm'
  created: string
}

export const FAKE_IMAGES: FakeImage[] = [
  { id: 161547269, name: 'ubuntu-24.04', description: 'Ubuntu 24.04', os_flavor: 'ubuntu', os_version: '24.04', architecture: 'x86', created: '2024-04-25T12:00:00+00:00' },
  { id: 161547270, name: 'ubuntu-24.04', description: 'Ubuntu 24.04', os_flavor: 'ubuntu', os_version: '24.04', architecture: 'arm', created: '2024-04-25T12:00:00+00:00' },
  { id: 67794396, name: 'ubuntu-22.04', description: 'Ubuntu 22.04', os_flavor: 'ubuntu', os_version: '22.04', architecture: 'x86', created: '2022-04-21T12:00:00+00:00' },
  { id: 103908130, name: 'ubuntu-22.04', description: 'Ubuntu 22.04', os_flavor: 'ubuntu', os_version: '22.04', architecture: 'arm', created: '2022-04-21T12:00:00+00:00' },
  { id: 310557660, name: 'debian-13', description: 'Debian 13', os_flavor: 'debian', os_version: '13', architecture: 'x86', created: '2025-08-12T12:00:00+00:00' },
]

export function price(value: number): { net: string; gross: string } {
  return { net: value.toFixed(10), gross: (value * 1.19).toFixed(10) }
}
