/**
 * Electron IPC names are namespaced: the preload can only reach `exitdesk:invoke:*` handlers
 * and only hears `exitdesk:event:*` messages. Kept apart from contract.ts so the preload
 * stays a few lines with no schema library bundled into it.
 */
export const INVOKE_PREFIX = 'exitdesk:invoke:'
export const EVENT_PREFIX = 'exitdesk:event:'
