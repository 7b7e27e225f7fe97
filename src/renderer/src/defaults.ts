/** Defaults the create form starts from. Change them here, nowhere else. */

/** The inlets-pro release installed on new hosts: one value shared with main (src/shared/inlets-versions.ts lists the releases and their sources). */
export { DEFAULT_INLETS_VERSION } from '../../shared/inlets-versions'

/** Let's Encrypt issuer for HTTPS tunnels: 'staging' avoids rate limits while trying things out. */
export const DEFAULT_LETSENCRYPT_ISSUER = 'prod' as const
