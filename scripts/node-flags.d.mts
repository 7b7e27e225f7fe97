/** Node flags for a process that runs Exitdesk's core outside Electron (see node-flags.mjs). */
export declare const CORE_NODE_FLAGS: string[]
