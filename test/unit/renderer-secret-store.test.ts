import { describe, expect, it } from 'vitest'
import { credentialDestination, memoryStoreNotice } from '../../src/renderer/src/lib/secret-store'

describe('where secrets are kept, as the window says it', () => {
  it('warns in memory mode that credentials and tunnel tokens are forgotten on exit, and what survives', () => {
    const notice = memoryStoreNotice({ secretStore: { kind: 'memory' } })
    expect(notice).toContain('forgotten when Exitdesk exits')
    expect(notice).toContain('tunnel tokens and client commands are gone')
    expect(notice).toContain('Hosts stay in the cloud and in the table')
  })

  it('says nothing while the keychain keeps them, or before the status is known', () => {
    expect(memoryStoreNotice({ secretStore: { kind: 'keychain', service: 'Exitdesk' } })).toBeUndefined()
    expect(memoryStoreNotice(undefined)).toBeUndefined()
  })

  it('tells the add-account form where the credential goes', () => {
    expect(credentialDestination({ secretStore: { kind: 'keychain', service: 'Exitdesk' } })).toBe('saved in the system keychain (service Exitdesk)')
    expect(credentialDestination({ secretStore: { kind: 'keychain', service: 'exitdesk-test-1' } })).toContain('(service exitdesk-test-1)')
    expect(credentialDestination({ secretStore: { kind: 'memory' } })).toContain('kept in memory until Exitdesk exits')
  })
})
