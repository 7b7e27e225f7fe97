import type { LetsEncryptIssuer, TunnelMode } from '../../../../shared/domain'
import { KNOWN_INLETS_RELEASES } from '../../../../shared/inlets-versions'
import { FieldError } from '../../components/FieldError'
import { versionHint } from '../../lib/inlets-version'

export interface TunnelDraft {
  mode: TunnelMode
  domainsText: string
  issuer: LetsEncryptIssuer
  version: string
}

export type TunnelField = 'tunnel.mode' | 'tunnel.domains' | 'tunnel.letsEncryptIssuer' | 'tunnel.inletsVersion'

interface Props {
  idPrefix: string
  draft: TunnelDraft
  onChange: (draft: TunnelDraft) => void
  /** Main's sentence for the field it refused. */
  errors: Partial<Record<TunnelField, string>>
  /** False where the cloud cannot narrow its firewall to the HTTPS ports. */
  httpsFirewall: boolean
}

/**
 * Tunnel mode and, for HTTPS, the domains and Let's Encrypt issuer; the inlets-pro release,
 * judged as it is typed (known, newer with a warning, or refused). No e-mail: inlets-pro's
 * http server no longer takes --letsencrypt-email (see src/shared/inlets-versions.ts).
 */
export function TunnelFields({ idPrefix, draft, onChange, errors, httpsFirewall }: Props) {
  const hint = versionHint(draft.version)
  const set = (patch: Partial<TunnelDraft>) => onChange({ ...draft, ...patch })
  const id = (name: string) => `${idPrefix}-${name}`
  const describedBy = (name: string, field: TunnelField, hint = true) =>
    [errors[field] ? id(`${name}-error`) : '', hint ? id(`${name}-hint`) : ''].filter(Boolean).join(' ') || undefined

  return (
    <>
      <fieldset className="field mode-field" aria-describedby={errors['tunnel.mode'] ? id('mode-error') : undefined}>
        <legend>Tunnel mode</legend>
        <label className="radio">
          <input
            type="radio"
            name={id('mode')}
            value="tcp"
            data-testid="create-mode-tcp"
            checked={draft.mode === 'tcp'}
            onChange={() => set({ mode: 'tcp' })}
          />
          <span>
            <strong>TCP</strong> <span className="muted">— forward any TCP port; all TCP ports are opened on the host.</span>
          </span>
        </label>
        <label className="radio">
          <input
            type="radio"
            name={id('mode')}
            value="https"
            data-testid="create-mode-https"
            checked={draft.mode === 'https'}
            onChange={() => set({ mode: 'https' })}
          />
          <span>
            <strong>HTTPS</strong>{' '}
            <span className="muted">
              — serve your domains with Let&apos;s Encrypt certificates; only ports 80, 443 and 8123 are opened
              {httpsFirewall ? '' : ' (this cloud cannot narrow its firewall, so all TCP ports stay open)'}.
            </span>
          </span>
        </label>
        <FieldError id={id('mode-error')} message={errors['tunnel.mode']} />
      </fieldset>

      {draft.mode === 'https' ? (
        <div className="https-fields">
          <div className="field">
            <label htmlFor={id('domains')}>Domains</label>
            <textarea
              id={id('domains')}
              data-testid="create-domains"
              rows={2}
              value={draft.domainsText}
              placeholder="tunnel.example.com, www.example.com"
              spellCheck={false}
              autoComplete="off"
              aria-invalid={errors['tunnel.domains'] ? true : undefined}
              aria-describedby={describedBy('domains', 'tunnel.domains')}
              onChange={(event) => set({ domainsText: event.target.value })}
            />
            <FieldError id={id('domains-error')} message={errors['tunnel.domains']} />
            <p className="hint" id={id('domains-hint')}>
              Comma or newline separated. Point each domain&apos;s DNS at the host&apos;s IP once it has one.
            </p>
          </div>
          <div className="field-pair">
            <div className="field">
              <label htmlFor={id('issuer')}>Certificate issuer</label>
              <select
                id={id('issuer')}
                data-testid="create-issuer"
                value={draft.issuer}
                aria-describedby={describedBy('issuer', 'tunnel.letsEncryptIssuer', false)}
                onChange={(event) => set({ issuer: event.target.value === 'staging' ? 'staging' : 'prod' })}
              >
                <option value="prod">Production</option>
                <option value="staging">Staging (for trying out; not trusted by browsers)</option>
              </select>
              <FieldError id={id('issuer-error')} message={errors['tunnel.letsEncryptIssuer']} />
            </div>
          </div>
        </div>
      ) : null}

      <div className="field">
        <label htmlFor={id('version')}>inlets-pro version</label>
        <input
          id={id('version')}
          data-testid="create-version"
          list={id('versions')}
          value={draft.version}
          inputMode="decimal"
          autoComplete="off"
          spellCheck={false}
          className="narrow"
          aria-invalid={errors['tunnel.inletsVersion'] ? true : undefined}
          aria-describedby={describedBy('version', 'tunnel.inletsVersion')}
          onChange={(event) => set({ version: event.target.value })}
        />
        <datalist id={id('versions')}>
          {KNOWN_INLETS_RELEASES.map((release) => (
            <option key={release.version} value={release.version}>
              {release.note}
            </option>
          ))}
        </datalist>
        <FieldError id={id('version-error')} message={errors['tunnel.inletsVersion']} />
        <p
          className={hint.tone === 'ok' ? 'hint' : 'hint warn-text'}
          id={id('version-hint')}
          data-testid="create-version-hint"
          data-tone={hint.tone}
          role={hint.tone === 'ok' ? undefined : 'status'}
        >
          {hint.text}
        </p>
      </div>
    </>
  )
}
