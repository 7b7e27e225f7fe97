/**
 * The service-account JSON key: checked field by field before anything is signed with it, and
 * never quoted back. A parse error names the field at fault and what is wrong with it, never
 * the text that was pasted (the Go provision package prints the credential on a parse error).
 *
 * Fields: https://cloud.google.com/iam/docs/keys-create-delete#creating (the key file Google
 * hands out: type, project_id, private_key_id, private_key, client_email, client_id, ...).
 */
import { createPrivateKey } from 'node:crypto'
import { invalidInput, type AppError } from '../../../shared/errors'
import { redactor } from '../../redact'

export interface ServiceAccountKey {
  projectId: string
  clientEmail: string
  /** The service account's unique, immutable id (its `uniqueId`); every key of one account carries it. */
  clientId: string
  privateKey: string
  privateKeyId?: string
}

const FIELD = 'credentials.serviceAccountKey'
const PROJECT_ID = /^[a-z][-a-z0-9]{4,28}[a-z0-9]$/
/** https://cloud.google.com/resource-manager/docs/creating-managing-projects#before_you_begin: 6 to 30 characters. */
export function isProjectId(value: string): boolean {
  return PROJECT_ID.test(value)
}

function problem(message: string): AppError {
  return invalidInput(FIELD, `The service-account key ${message}`)
}

/** Parses and checks the pasted key; the error says which field is wrong and never echoes it. */
export function parseServiceAccountKey(text: string | undefined): ServiceAccountKey {
  if (!text || text.trim().length === 0) throw problem('is empty. Paste the whole JSON key file of the service account.')
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    // Deliberately without the parser's message: it quotes the text around the fault.
    throw problem('is not valid JSON. Paste the whole key file, from { to }.')
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw problem('is not a JSON object. Paste the whole key file, from { to }.')
  const key = parsed as Record<string, unknown>
  const text_ = (name: string): string | undefined => (typeof key[name] === 'string' && (key[name] as string).trim().length > 0 ? (key[name] as string).trim() : undefined)
  // Remembered at once: whatever happens next, no error or log may carry them.
  for (const secret of [key.private_key, key.private_key_id]) if (typeof secret === 'string') redactor.remember(secret)

  if (key.type !== 'service_account') {
    throw problem(key.type === undefined ? 'has no "type" field; a service-account key says "type": "service_account".' : 'is not a service-account key ("type" is not "service_account"). Create a key for a service account in the console\'s IAM section.')
  }
  const projectId = text_('project_id')
  if (!projectId) throw problem('has no "project_id".')
  if (!isProjectId(projectId)) throw problem('has a "project_id" that is not a Google Cloud project id.')
  const clientEmail = text_('client_email')
  if (!clientEmail) throw problem('has no "client_email".')
  if (!/^[^@\s]+@[^@\s]+\.gserviceaccount\.com$/.test(clientEmail)) throw problem('has a "client_email" that is not a service account\'s address (…@….iam.gserviceaccount.com).')
  const clientId = text_('client_id')
  if (!clientId) throw problem('has no "client_id".')
  if (!/^[0-9]{1,30}$/.test(clientId)) throw problem('has a "client_id" that is not a service account\'s numeric unique id.')
  const privateKey = typeof key.private_key === 'string' ? key.private_key : undefined
  if (!privateKey || !privateKey.includes('-----BEGIN PRIVATE KEY-----')) throw problem('has no "private_key" in PEM form (-----BEGIN PRIVATE KEY-----).')
  try {
    const parsedKey = createPrivateKey({ key: privateKey, format: 'pem' })
    if (parsedKey.asymmetricKeyType !== 'rsa') throw new Error('not RSA')
  } catch {
    throw problem('has a "private_key" that does not parse as an RSA private key. Download a new key file.')
  }
  return { projectId, clientEmail, clientId, privateKey, privateKeyId: text_('private_key_id') }
}

/** The project the hosts go in: the account's field, checked like a project id. */
export function parseProjectId(value: string | undefined): string {
  const project = value?.trim() ?? ''
  if (!project) throw invalidInput('credentials.projectId', 'The project id is required.')
  if (!isProjectId(project)) throw invalidInput('credentials.projectId', 'The project id must be 6 to 30 lower-case letters, digits or dashes, starting with a letter (the id, not the project\'s display name or number).')
  return project
}
