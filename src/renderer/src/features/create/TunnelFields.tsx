import { useWatch, type UseFormRegister } from 'react-hook-form'
import type { TunnelMode } from '../../../../shared/domain'
import { KNOWN_INLETS_RELEASES } from '../../../../shared/inlets-versions'
import { FieldError } from '../../components/FieldError'
import { versionHint } from '../../lib/inlets-version'
import type { NewHostControl, NewHostValues } from '../../lib/new-host-schema'

export type TunnelField = 'tunnel.mode' | 'tunnel.domainsText' | 'tunnel.letsEncryptIssuer' | 'tunnel.inletsVersion'

interface Props {
  idPrefix: string
  register: UseFormRegister<NewHostValues>
  control: NewHostControl
  /** The mode chosen now: the domains and issuer are shown for HTTPS only (their values are kept either way). */
  mode: TunnelMode
  /** The sentence for each field at fault (the form's own check or main's refusal). */
  errors: Partial<Record<TunnelField, string>>
  /** False where the cloud cannot narrow its firewall to the HTTPS ports. */
  httpsFirewall: boolean
}

/**
 * Tunnel mode and, for HTTPS, the domains and Let's Encrypt issuer; the inlets-pro release,
 * judged as it is typed (known, newer with a warning, or refused). No e-mail: inlets-pro's
 * http server no longer takes --letsencrypt-email (see src/shared/inlets-versions.ts).
 */
export function TunnelFields({ idPrefix, register, control, mode, errors, httpsFirewall }: Props) {
  const id = (name: string) => `${idPrefix}-${name}`
  const describedBy = (name: string, field: TunnelField, hint = true) =>
    [errors[field] ? id(`${name}-error`) : '', hint ? id(`${name}-hint`) : ''].filter(Boolean).join(' ') || undefined

  return (
    <>
      <fieldset className="field mode-field" aria-describedby={errors['tunnel.mode'] ? id('mode-error') : undefined}>
        <legend>Tunnel mode</legend>
        <label className="radio">
          <input type="radio" value="tcp" data-testid="create-mode-tcp" {...register('tunnel.mode')} />
          <span>
            <strong>TCP</strong> <span className="muted">— forward any TCP port; all TCP ports are opened on the host.</span>
          </span>
        </label>
        <label className="radio">
          <input type="radio" value="https" data-testid="create-mode-https" {...register('tunnel.mode')} />
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

      {/*
        Always rendered, hidden in TCP mode: the fields keep their place in react-hook-form's
        registration order, which is the order shouldFocusError follows, so the first invalid
        field it focuses is the first on screen.
      */}
      <div className="https-fields" hidden={mode !== 'https'}>
        <div className="field">
          <label htmlFor={id('domains')}>Domains</label>
          <textarea
            id={id('domains')}
            data-testid="create-domains"
            rows={2}
            placeholder="tunnel.example.com, www.example.com"
            spellCheck={false}
            autoComplete="off"
            aria-invalid={errors['tunnel.domainsText'] ? true : undefined}
            aria-describedby={describedBy('domains', 'tunnel.domainsText')}
            {...register('tunnel.domainsText')}
          />
          <FieldError id={id('domains-error')} message={errors['tunnel.domainsText']} />
          <p className="hint" id={id('domains-hint')}>
            Comma or newline separated. Point each domain&apos;s DNS at the host&apos;s IP once it has one.
          </p>
        </div>
        <div className="field">
          <label htmlFor={id('issuer')}>Certificate issuer</label>
          <select
            id={id('issuer')}
            data-testid="create-issuer"
            aria-invalid={errors['tunnel.letsEncryptIssuer'] ? true : undefined}
            aria-describedby={describedBy('issuer', 'tunnel.letsEncryptIssuer', false)}
            {...register('tunnel.letsEncryptIssuer')}
          >
            <option value="prod">Production</option>
            <option value="staging">Staging (for trying out; not trusted by browsers)</option>
          </select>
          <FieldError id={id('issuer-error')} message={errors['tunnel.letsEncryptIssuer']} />
        </div>
      </div>

      <div className="field">
        <label htmlFor={id('version')}>inlets-pro version</label>
        <input
          id={id('version')}
          data-testid="create-version"
          list={id('versions')}
          inputMode="decimal"
          autoComplete="off"
          spellCheck={false}
          className="narrow"
          aria-invalid={errors['tunnel.inletsVersion'] ? true : undefined}
          aria-describedby={describedBy('version', 'tunnel.inletsVersion')}
          {...register('tunnel.inletsVersion')}
        />
        <datalist id={id('versions')}>
          {KNOWN_INLETS_RELEASES.map((release) => (
            <option key={release.version} value={release.version}>
              {release.note}
            </option>
          ))}
        </datalist>
        <FieldError id={id('version-error')} message={errors['tunnel.inletsVersion']} />
        <VersionHint id={id('version-hint')} control={control} />
      </div>
    </>
  )
}

/** The line under the version field, judged as it is typed: only this line re-renders per keystroke. */
function VersionHint({ id, control }: { id: string; control: NewHostControl }) {
  const version = useWatch({ control, name: 'tunnel.inletsVersion' })
  const hint = versionHint(version)
  return (
    <p
      className={hint.tone === 'ok' ? 'hint' : 'hint warn-text'}
      id={id}
      data-testid="create-version-hint"
      data-tone={hint.tone}
      role={hint.tone === 'ok' ? undefined : 'status'}
    >
      {hint.text}
    </p>
  )
}
