import { useId, useRef, useState, type FormEvent } from 'react'
import type { AccountInfo, AutoTeardownChoice, CloudInfo } from '../../../../shared/domain'
import { generateHostName, hostNameProblem } from '../../../../shared/naming'
import { useCatalog, useCreateHost, useSettings } from '../../api'
import { FieldError } from '../../components/FieldError'
import { SimulatedTag } from '../../components/SimulatedTag'
import { DEFAULT_INLETS_VERSION, DEFAULT_LETSENCRYPT_ISSUER } from '../../defaults'
import { cloudOf, defaultAccount } from '../../lib/accounts'
import { errorInfo, errorSentence } from '../../lib/api-error'
import { parseDomains } from '../../lib/domains'
import { matchField } from '../../lib/fields'
import { formatMonthly } from '../../lib/format'
import { choosePlan, chooseRegion, plansInRegion } from '../../lib/plans'
import { keptAfter, requestFor, type CreateRequest, type KeptRequest } from '../../lib/request-id'
import { newRequestId } from '../../lib/uuid'
import { DeleteAfterField } from './DeleteAfterField'
import { NameField } from './NameField'
import { TunnelFields, type TunnelDraft, type TunnelField } from './TunnelFields'

const FORM_FIELDS = [
  'accountId',
  'name',
  'region',
  'plan',
  'tunnel.mode',
  'tunnel.domains',
  'tunnel.letsEncryptIssuer',
  'tunnel.inletsVersion',
  'deleteAfter',
] as const
type FormField = (typeof FORM_FIELDS)[number]

interface Props {
  accounts: AccountInfo[]
  clouds: CloudInfo[]
}

export function CreateForm({ accounts, clouds }: Props) {
  const formId = useId()
  const [accountChoice, setAccountChoice] = useState<string | undefined>(undefined)
  const [regionChoice, setRegionChoice] = useState<string | undefined>(undefined)
  const [planChoice, setPlanChoice] = useState<string | undefined>(undefined)
  const [tunnel, setTunnel] = useState<TunnelDraft>({
    mode: 'tcp',
    domainsText: '',
    issuer: DEFAULT_LETSENCRYPT_ISSUER,
    version: DEFAULT_INLETS_VERSION,
  })
  const [clientError, setClientError] = useState<string | undefined>(undefined)
  const [createdName, setCreatedName] = useState<string | undefined>(undefined)
  const nameRef = useRef<HTMLInputElement | null>(null)
  /**
   * The last request that failed in a way worth retrying (it may have reached main): an
   * unchanged resubmission reuses its id, so main never creates the host twice; any change to
   * the inputs, a success or a refusal starts a new request (see lib/request-id).
   */
  const keptRequestRef = useRef<KeptRequest | null>(null)
  const create = useCreateHost()
  const settings = useSettings()
  /** Untouched, the choice follows the default in the settings (which may load after the form). */
  const [deleteAfterChoice, setDeleteAfterChoice] = useState<AutoTeardownChoice | undefined>(undefined)
  const deleteAfter = deleteAfterChoice ?? settings.data?.autoTeardown.defaultAfter ?? 'never'

  // The parent renders this form only with at least one account.
  const account = accounts.find((candidate) => candidate.id === accountChoice) ?? defaultAccount(accounts, clouds) ?? accounts[0]!
  const cloud = cloudOf(clouds, account.cloud)

  const [name, setName] = useState(() => (cloud ? generateHostName(cloud.nameRule) : ''))
  const [nameEdited, setNameEdited] = useState(false)

  const catalog = useCatalog(account.id)

  if (!cloud) {
    return (
      <p className="inline-error" role="alert">
        The cloud of account {account.label} is not known to this version of Exitdesk.
      </p>
    )
  }

  // While the catalog loads (or if it cannot), the cloud's built-in lists stand in.
  const regions = catalog.data?.regions.length ? catalog.data.regions : cloud.regions
  const plans = catalog.data?.plans.length ? catalog.data.plans : cloud.plans
  const region = chooseRegion(regions, regionChoice, cloud.defaultRegion)
  const available = plansInRegion(plans, region)
  const plan = choosePlan(available, planChoice, cloud.defaultPlan)
  const nameProblem = hostNameProblem(name, cloud.nameRule)

  const serverInfo = errorInfo(create.error)
  const serverSentence = create.error ? errorSentence(create.error) : undefined
  const errorField = matchField(serverInfo?.field, FORM_FIELDS)
  const fieldError = (field: FormField) => (errorField === field ? serverSentence : undefined)
  const tunnelErrors: Partial<Record<TunnelField, string>> = {}
  for (const field of FORM_FIELDS) {
    if (field.startsWith('tunnel.') && errorField === field) tunnelErrors[field as TunnelField] = serverSentence
  }
  const formError = clientError ?? serverSentence

  const sourceText = catalog.isPending ? 'Loading…' : catalog.data?.source === 'live' ? 'Loaded live' : 'Built-in list'

  function changeAccount(accountId: string): void {
    const next = accounts.find((candidate) => candidate.id === accountId)
    const nextCloud = next ? cloudOf(clouds, next.cloud) : undefined
    setAccountChoice(accountId)
    setRegionChoice(undefined)
    setPlanChoice(undefined)
    // A suggested name follows the cloud's naming rule; a name the user typed is kept and checked.
    if (nextCloud && !nameEdited) setName(generateHostName(nextCloud.nameRule))
  }

  function submit(event: FormEvent<HTMLFormElement>): void {
    event.preventDefault()
    if (create.isPending || !cloud) return
    setCreatedName(undefined)
    if (nameProblem) {
      setClientError(`Host name ${nameProblem}.`)
      nameRef.current?.focus()
      return
    }
    if (!region || !plan) {
      setClientError('Choose a region where this cloud sells a plan.')
      return
    }
    setClientError(undefined)
    const request: CreateRequest = {
      accountId: account.id,
      name,
      region,
      plan: plan.id,
      tunnel: {
        mode: tunnel.mode,
        inletsVersion: tunnel.version.trim(),
        domains: tunnel.mode === 'https' ? parseDomains(tunnel.domainsText) : [],
        letsEncryptIssuer: tunnel.issuer,
      },
      deleteAfter,
    }
    const sent = requestFor(keptRequestRef.current, request, newRequestId)
    keptRequestRef.current = sent
    create.mutate(
      { ...request, requestId: sent.id },
      {
        onSuccess: (host) => {
          keptRequestRef.current = keptAfter(sent, 'created')
          setCreatedName(host.name)
          setName(generateHostName(cloud.nameRule))
          setNameEdited(false)
        },
        onError: (error) => {
          keptRequestRef.current = keptAfter(sent, errorInfo(error)?.retryable === true ? 'retryable' : 'refused')
        },
      },
    )
  }

  return (
    <form className="form create-form" onSubmit={submit} noValidate aria-describedby={formError ? `${formId}-error` : undefined}>
      <div className="field">
        <label htmlFor={`${formId}-account`}>Account</label>
        <div className="input-row">
          <select
            id={`${formId}-account`}
            data-testid="create-account"
            value={account.id}
            aria-invalid={fieldError('accountId') ? true : undefined}
            onChange={(event) => changeAccount(event.target.value)}
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
        <FieldError id={`${formId}-account-error`} message={fieldError('accountId')} />
        {cloud.simulated ? (
          <p className="hint">The simulated cloud behaves like a real one, but nothing is created and nothing is billed.</p>
        ) : null}
        {account.credential === 'failing' ? (
          <p className="hint warn-text">
            This account&apos;s credential failed its last check{account.credentialMessage ? `: ${account.credentialMessage}` : '.'}
          </p>
        ) : null}
      </div>

      <div className="field-pair">
        <div className="field">
          <label htmlFor={`${formId}-region`}>Region</label>
          <select
            id={`${formId}-region`}
            data-testid="create-region"
            value={region ?? ''}
            aria-invalid={fieldError('region') ? true : undefined}
            onChange={(event) => {
              setRegionChoice(event.target.value)
            }}
          >
            {regions.map((candidate) => (
              <option key={candidate.id} value={candidate.id}>
                {candidate.label === candidate.id ? candidate.id : `${candidate.label} (${candidate.id})`}
              </option>
            ))}
          </select>
          <FieldError id={`${formId}-region-error`} message={fieldError('region')} />
        </div>
        <div className="field">
          <label htmlFor={`${formId}-plan`}>Plan</label>
          <select
            id={`${formId}-plan`}
            data-testid="create-plan"
            value={plan?.id ?? ''}
            aria-invalid={fieldError('plan') ? true : undefined}
            onChange={(event) => setPlanChoice(event.target.value)}
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
          <FieldError id={`${formId}-plan-error`} message={fieldError('plan')} />
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
        idPrefix={formId}
        draft={tunnel}
        onChange={setTunnel}
        errors={tunnelErrors}
        httpsFirewall={cloud.capabilities.httpsFirewall}
      />

      <DeleteAfterField id={`${formId}-delete-after`} value={deleteAfter} onChange={setDeleteAfterChoice} error={fieldError('deleteAfter')} />

      <NameField
        id={`${formId}-name`}
        inputRef={nameRef}
        value={name}
        rule={cloud.nameRule}
        problem={nameProblem}
        serverError={fieldError('name')}
        onChange={(value) => {
          setName(value)
          setNameEdited(true)
        }}
        onRegenerate={() => {
          setName(generateHostName(cloud.nameRule))
          setNameEdited(false)
        }}
      />

      <div className="submit-row">
        <button type="submit" className="button button-primary" data-testid="create-submit" disabled={create.isPending}>
          {create.isPending ? 'Creating…' : `Create host — ${plan ? formatMonthly(plan.monthlyCostUsd) : '—'}`}
        </button>
        {plan?.costNote ? <span className="hint">{plan.costNote}</span> : null}
      </div>
      {formError ? (
        <p className="inline-error" id={`${formId}-error`} role="alert" data-testid="create-error">
          {formError}
        </p>
      ) : null}
      {createdName && !formError ? (
        <p className="success" role="status">
          Creating {createdName}. It appears in the host table above and turns green once it is ready.
        </p>
      ) : null}
    </form>
  )
}
