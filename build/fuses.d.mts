import type { FuseV1Config } from '@electron/fuses'

/** The fuses flipped in every packaged Exitdesk binary (see fuses.mjs for why each). */
export declare const FUSES: FuseV1Config & { strictlyRequireAllFuses: true }
