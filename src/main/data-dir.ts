/** Where Exitdesk keeps its ledger: the same folder Electron's app.getPath('userData') gives, so both shells share it. */
import { homedir } from 'node:os'
import { join } from 'node:path'

export const APP_NAME = 'Exitdesk'

export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (env.EXITDESK_DATA_DIR) return env.EXITDESK_DATA_DIR
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', APP_NAME)
  if (platform === 'win32') return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), APP_NAME)
  return join(env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), APP_NAME)
}
