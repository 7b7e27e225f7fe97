import * as Dialog from '@radix-ui/react-dialog'
import { useEffect, type FormEventHandler } from 'react'
import { get, useWatch, type FieldError as FormFieldError, type FieldPath } from 'react-hook-form'
import type { AccountInfo, CloudInfo, NameRule } from '../../../../shared/domain'
import { useCatalog } from '../../api'
import { FieldError } from '../../components/FieldError'
import { SimulatedTag } from '../../components/SimulatedTag'
import { cloudOf, defaultAccount } from '../../lib/accounts'
import { errorSentence } from '../../lib/api-error'
import { formatMonthly } from '../../lib/format'
import { choosePlan, chooseRegion, plansInRegion } from '../../lib/plans'
import { DeleteAfterField } from './DeleteAfterField'
import { NameField } from './NameField'
import type { NewHostFormApi, NewHostValues } from '../../lib/new-host-schema'
import { NewHostReview } from './NewHostReview'
import { TunnelFields, type TunnelField } from './TunnelFields'

interface Props {
  idPrefix: string
  form: NewHostFormApi
  accounts: AccountInfo[]
  clouds: CloudInfo[]
  pending: boolean
  onSubmit: FormEventHandler<HTMLFormElement>
  /** A new suggested name under `rule`, remembered so a name the user typed can be told apart from it. */
  suggestName: (rule: NameRule) => string
  /** Whether `name` is still the last suggestion (then it follows a change of cloud). */
  nameIsSuggested: (name: string) => boolean
  /** The user picked a "Delete after" value: the default in Settings no longer replaces it. */
  onDeleteAfterChosen: () => void
}

/**
 * The New host dialog's fields, its review and its buttons. The values live in the form the
 * dialog's button owns, so closing the dialog (Escape, Cancel) and opening it again keeps them.
 */
export function NewHostForm({ idPrefix, form, accounts, clouds, pending, onSubmit, suggestName, nameIsSuggested, onDeleteAfterChosen }: Props) {
  const {
    register,
    control,
    getValues,
    setValue,
    formState: { errors, isSubmitted },
  } = form
  // Only the choices that change what is shown; typed text is read by the inputs themselves.
  const [accountId, regionValue, planValue, mode] = useWatch({ control, name: ['accountId', 'region', 'plan', 'tunnel.mode'] })

  // The parent renders this form only with at least one account.
  const account = accounts.find((candidate) => candidate.id === accountId) ?? defaultAccount(accounts, clouds) ?? accounts[0]!
  const cloud = cloudOf(clouds, account.cloud)
  const catalog = useCatalog(account.id)

  // While the catalog loads (or if it cannot), the cloud's built-in lists stand in.
  const regions = catalog.data?.regions.length ? catalog.data.regions : (cloud?.regions ?? [])
  const plans = catalog.data?.plans.length ? catalog.data.plans : (cloud?.plans ?? [])
  const region = cloud ? chooseRegion(regions, regionValue, cloud.defaultRegion) : undefined
  const available = plansInRegion(plans, region)
  const plan = cloud ? choosePlan(available, planValue, cloud.defaultPlan) : undefined

  // The form sends what is shown: a region or plan no longer offered (another account, the live
  // catalog arriving) is replaced by the one the selects fall back to.
  useEffect(() => {
    const sync = (field: FieldPath<NewHostValues>, value: string): void => {
      if (getValues(field) !== value) setValue(field, value, { shouldValidate: isSubmitted })
    }
    sync('accountId', account.id)
    if (cloud) {
      sync('region', region ?? '')
      sync('plan', plan?.id ?? '')
    }
  })

  if (!cloud) {
    return (
      <p className="inline-error" role="alert">
        The cloud of account {account.label} is not known to this version of Exitdesk.
      </p>
    )
  }

  const id = (name: string) => `${idPrefix}-${name}`
  const message = (field: FieldPath<NewHostValues>): string | undefined => (get(errors, field) as FormFieldError | undefined)?.message
  const describedBy = (name: string, field: FieldPath<NewHostValues>, ...more: string[]) =>
    [message(field) ? id(`${name}-error`) : '', ...more].filter(Boolean).join(' ') || undefined
  const tunnelErrors: Partial<Record<TunnelField, string>> = {}
  for (const field of ['tunnel.mode', 'tunnel.domainsText', 'tunnel.letsEncryptIssuer', 'tunnel.inletsVersion'] as const) {
    tunnelErrors[field] = message(field)
  }
  const formError = errors.root?.server?.message ?? errors.root?.message
  const sourceText = catalog.isPending ? 'Loading…' : catalog.data?.source === 'live' ? 'Loaded live' : 'Built-in list'
  const accountHints = [cloud.simulated ? id('account-simulated') : '', account.credential === 'failing' ? id('account-failing') : '']

  function changeAccount(nextId: string): void {
    const next = accounts.find((candidate) => candidate.id === nextId)
    const nextCloud = next ? cloudOf(clouds, next.cloud) : undefined
    // Region and plan start again from the new cloud's defaults (the effect above fills them in).
    setValue('region', '')
    setValue('plan', '')
    // A suggested name follows the cloud's naming rule; a name the user typed is kept and checked.
    if (nextCloud && nameIsSuggested(getValues('name'))) setValue('name', suggestName(nextCloud.nameRule), { shouldValidate: isSubmitted })
  }

  return (
    <form className="form nh-form" onSubmit={onSubmit} noValidate aria-describedby={formError ? id('error') : undefined}>
      <div className="nh-body">
        <div className="field">
          <label htmlFor={id('account')}>Account</label>
          <div className="input-row">
            <select
              id={id('account')}
              data-testid="create-account"
              value={account.id}
              aria-invalid={message('accountId') ? true : undefined}
              aria-describedby={describedBy('account', 'accountId', ...accountHints)}
              {...register('accountId', { onChange: (event: { target: { value: string } }) => changeAccount(event.target.value) })}
            >
              {accounts.map((candidate) => {
                const candidateCloud = cloudOf(clouds, candidate.cloud)
                return (
                  <option key={candidate.id} value={candidate.id}>
                    {candidate.label} · {candidateCloud?.label ?? candidate.cloud}
                    {candidateCloud?.simulated ? ' (Simulated)' : ''}
                    {candidate.credential === 'failing' ? ' — credential failing' : ''}
                  </option>
                )
              })}
            </select>
            {cloud.simulated ? <SimulatedTag /> : null}
          </div>
          <FieldError id={id('account-error')} message={message('accountId')} />
          {cloud.simulated ? (
            <p className="hint" id={id('account-simulated')}>
              The simulated cloud behaves like a real one, but nothing is created and nothing is billed.
            </p>
          ) : null}
          {account.credential === 'failing' ? (
            <p className="hint warn-text" id={id('account-failing')}>
              This account&apos;s credential failed its last check{account.credentialMessage ? `: ${account.credentialMessage}` : '.'}
            </p>
          ) : null}
        </div>

        <div className="field-pair">
          <div className="field">
            <label htmlFor={id('region')}>Region</label>
            <select
              id={id('region')}
              data-testid="create-region"
              value={region ?? ''}
              aria-invalid={message('region') ? true : undefined}
              aria-describedby={describedBy('region', 'region')}
              {...register('region')}
            >
              {regions.length === 0 ? (
                <option value="" disabled>
                  No region is offered
                </option>
              ) : null}
              {regions.map((candidate) => (
                <option key={candidate.id} value={candidate.id}>
                  {candidate.label === candidate.id ? candidate.id : `${candidate.label} (${candidate.id})`}
                </option>
              ))}
            </select>
            <FieldError id={id('region-error')} message={message('region')} />
          </div>
          <div className="field">
            <label htmlFor={id('plan')}>Plan</label>
            <select
              id={id('plan')}
              data-testid="create-plan"
              value={plan?.id ?? ''}
              aria-invalid={message('plan') ? true : undefined}
              aria-describedby={describedBy('plan', 'plan', plan?.costNote ? id('plan-note') : '')}
              {...register('plan')}
            >
              {available.length === 0 ? (
                <option value="" disabled>
                  No plan is sold in this region
                </option>
              ) : null}
              {available.map((candidate) => (
                <option key={candidate.id} value={candidate.id}>
                  {/* Price first: a narrow select still shows what the choice costs. */}
                  {formatMonthly(candidate.monthlyCostUsd)} — {candidate.label}
                  {candidate.costNote ? ` (${candidate.costNote})` : ''}
                </option>
              ))}
            </select>
            <FieldError id={id('plan-error')} message={message('plan')} />
            {plan?.costNote ? (
              <p className="hint" id={id('plan-note')}>
                {plan.costNote}
              </p>
            ) : null}
          </div>
        </div>
        <p className="hint catalog-line">
          <span className={catalog.data?.source === 'live' ? 'source source-live' : 'source'} data-testid="catalog-source">
            {sourceText}
          </span>
          {catalog.data?.note ? <span> — {catalog.data.note}</span> : null}
          {catalog.isError ? <span> — {errorSentence(catalog.error)}</span> : null}
          <span>
            {' '}
            · Image: {cloud.image.label}
          </span>
        </p>

        <TunnelFields
          idPrefix={idPrefix}
          register={register}
          control={control}
          mode={mode}
          errors={tunnelErrors}
          httpsFirewall={cloud.capabilities.httpsFirewall}
        />

        <DeleteAfterField id={id('delete-after')} register={register} onChosen={onDeleteAfterChosen} error={message('deleteAfter')} />

        <NameField
          id={id('name')}
          register={register}
          rule={cloud.nameRule}
          error={message('name')}
          onRegenerate={() => setValue('name', suggestName(cloud.nameRule), { shouldValidate: isSubmitted, shouldDirty: true })}
        />

        <NewHostReview control={control} account={account} cloud={cloud} regions={regions} region={region} plan={plan} mode={mode} />

        {formError ? (
          <p className="inline-error nh-form-error" id={id('error')} role="alert" data-testid="create-error">
            {formError}
          </p>
        ) : null}
      </div>

      <div className="nh-footer">
        <Dialog.Close asChild>
          <button type="button" className="button" data-testid="create-cancel">
            Cancel
          </button>
        </Dialog.Close>
        <button type="submit" className="button button-primary" data-testid="create-submit" disabled={pending}>
          {pending ? 'Creating…' : `Create host — ${plan ? formatMonthly(plan.monthlyCostUsd) : '—'}`}
        </button>
      </div>
    </form>
  )
}
