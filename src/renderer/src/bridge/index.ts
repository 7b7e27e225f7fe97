/**
 * The one bridge the renderer talks through: the Electron preload's, or, in an ordinary
 * browser (`npm run web`), the same contract carried over HTTP to 127.0.0.1.
 */
import type { ExitdeskBridge } from '../../../shared/contract'
import { createHttpBridge } from './http-bridge'

export const bridge: ExitdeskBridge = window.exitdesk ?? createHttpBridge()
