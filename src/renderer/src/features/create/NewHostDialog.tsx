/**
 * The New host dialog's content and its form (NewHostButton.tsx holds the button and loads
 * this module on first use): a tunnel host's account, region, plan, tunnel, delete after,
 * name, then a review with the cost.
 *
 * Why Radix Dialog (@radix-ui/react-dialog): each primitive is its own small package, so the
 * renderer bundle carries only the dialog code it uses, not a whole component kit; and it
 * does the modal's hard parts right: focus is trapped inside while open and returns to this
 * button when it closes, Escape and a click outside close it, the rest of the window is
 * hidden from assistive technology and the content is marked aria-modal with its title and
 * description wired up.
 *
 * Why react-hook-form: the inputs stay uncontrolled, so typing a name or domains re-renders
 * nothing but the small parts that watch them (the review, the version hint), not the whole
 * dialog on every keystroke; and its zod resolver validates with a schema built on the
 * contract's own createHostInputSchema (./new-host-schema), so the form and main apply one
 * set of rules. Every field is checked at once on submit, each error is shown next to its
 * field, the first invalid field gets focus, and then each field is re-checked as it changes.
 *
 * The form lives here, in a component that stays mounted once loaded, not in the dialog's
 * content: closing the dialog (Escape, Cancel) keeps what was typed, and a create that
 * finishes after the dialog was closed still resets the form and says so.
 */
import * as Dialog from '@radix-ui/react-dialog'
import { zodResolver } from '@hookform/resolvers/zod'
import { useEffect, useId, useMemo, useRef, type FormEvent } from 'react'
import { useForm } from 'react-hook-form'
import type { AccountInfo, AutoTeardownChoice, CloudInfo, NameRule } from '../../../../shared/domain'
import { generateHostName } from '../../../../shared/naming'
import { useAccounts, useClouds, useCreateHost, useSettings } from '../../api'
import { ErrorMessage } from '../../components/ErrorMessage'
import { showToast } from '../../components/toasts'
import { DEFAULT_INLETS_VERSION, DEFAULT_LETSENCRYPT_ISSUER } from '../../defaults'
import { cloudOf, defaultAccount } from '../../lib/accounts'
import { errorInfo, errorSentence } from '../../lib/api-error'
import { keptAfter, requestFor, type CreateRequest, type KeptRequest } from '../../lib/request-id'
import { newRequestId } from '../../lib/uuid'
import { newHostFieldOf, newHostFormSchema, type NewHostValues } from '../../lib/new-host-schema'
import { NewHostForm } from './NewHostForm'
import './new-host.css'

/** Before the accounts and clouds have loaded. */
const EMPTY_VALUES: NewHostValues = {
  accountId: '',
  region: '',
  plan: '',
  tunnel: { mode: 'tcp', domainsText: '', letsEncryptIssuer: DEFAULT_LETSENCRYPT_ISSUER, inletsVersion: DEFAULT_INLETS_VERSION },
  deleteAfter: 'never',
  name: '',
}

interface Props {
  /** Whether the dialog (inside NewHostButton's Dialog.Root) is open. */
  open: boolean
  setOpen: (open: boolean) => void
}

export default function NewHostDialog({ open, setOpen }: Props) {
  const idPrefix = useId()
  const accounts = useAccounts()
  const clouds = useClouds()
  const settings = useSettings()
  const create = useCreateHost()
  const defaultAfter = settings.data?.autoTeardown.defaultAfter

  /**
   * The last request that failed in a way worth retrying (it may have reached main): an
   * unchanged resubmission reuses its id, so main never creates the host twice; any change to
   * the inputs, a success or a refusal starts a new request (see lib/request-id).
   */
  const keptRequestRef = useRef<KeptRequest | null>(null)
  /** The name last suggested: while the field still holds it, it follows a change of cloud. */
  const suggestedNameRef = useRef('')
  /** Whether the user picked a "Delete after" value (else it follows the default in Settings). */
  const deleteAfterChosenRef = useRef(false)
  const initialisedRef = useRef(false)

  const resolver = useMemo(() => {
    const accountList = accounts.data ?? []
    const cloudList = clouds.data ?? []
    const nameRuleOf = (accountId: string): NameRule | undefined => {
      const account = accountList.find((candidate) => candidate.id === accountId)
      return account ? cloudOf(cloudList, account.cloud)?.nameRule : undefined
    }
    return zodResolver(newHostFormSchema(nameRuleOf))
  }, [accounts.data, clouds.data])

  const form = useForm<NewHostValues, unknown, CreateRequest>({
    resolver,
    defaultValues: EMPTY_VALUES,
    // Everything at once when submitted, then each field again as it changes.
    mode: 'onSubmit',
    reValidateMode: 'onChange',
    shouldFocusError: true,
  })

  function suggestName(rule: NameRule): string {
    const name = generateHostName(rule)
    suggestedNameRef.current = name
    return name
  }

  function freshValues(accountList: AccountInfo[], cloudList: CloudInfo[], deleteAfter: AutoTeardownChoice | undefined): NewHostValues {
    const account = defaultAccount(accountList, cloudList)
    const cloud = account ? cloudOf(cloudList, account.cloud) : undefined
    deleteAfterChosenRef.current = false
    return {
      ...EMPTY_VALUES,
      accountId: account?.id ?? '',
      region: cloud?.defaultRegion ?? '',
      plan: cloud?.defaultPlan ?? '',
      deleteAfter: deleteAfter ?? 'never',
      name: cloud ? suggestName(cloud.nameRule) : '',
    }
  }

  // A fresh form once the accounts and clouds are known (they load with the window).
  useEffect(() => {
    if (initialisedRef.current || !accounts.data || !clouds.data) return
    initialisedRef.current = true
    form.reset(freshValues(accounts.data, clouds.data, defaultAfter))
    // eslint-disable-next-line react-hooks/exhaustive-deps -- once, when the lists first arrive
  }, [accounts.data, clouds.data])

  // Untouched, "Delete after" follows the default in Settings (which may load after the form).
  useEffect(() => {
    if (defaultAfter && !deleteAfterChosenRef.current && form.getValues('deleteAfter') !== defaultAfter) form.setValue('deleteAfter', defaultAfter)
  }, [defaultAfter, form])

  function send(request: CreateRequest): void {
    if (create.isPending) return
    const sent = requestFor(keptRequestRef.current, request, newRequestId)
    keptRequestRef.current = sent
    create.mutate(
      { ...request, requestId: sent.id },
      {
        onSuccess: (host) => {
          keptRequestRef.current = keptAfter(sent, 'created')
          setOpen(false)
          showToast({ title: `Creating ${host.name}`, description: 'It appears in the host list and turns green once it is ready.', tone: 'success' })
          form.reset(freshValues(accounts.data ?? [], clouds.data ?? [], defaultAfter))
        },
        onError: (error) => {
          keptRequestRef.current = keptAfter(sent, errorInfo(error)?.retryable === true ? 'retryable' : 'refused')
          // Next to the field main names; anything else at the bottom. The typed values stay.
          const field = newHostFieldOf(errorInfo(error)?.field)
          const message = errorSentence(error)
          if (field) form.setError(field, { type: 'server', message }, { shouldFocus: true })
          else form.setError('root.server', { type: 'server', message })
        },
      },
    )
  }

  const onSubmit = (event: FormEvent<HTMLFormElement>): void => {
    form.clearErrors('root')
    void form.handleSubmit(send)(event)
  }

  let body
  if (accounts.isError || clouds.isError) {
    body = <ErrorMessage error={accounts.error ?? clouds.error} lead="The New host form could not be prepared." testId="create-error" />
  } else if (!accounts.data || !clouds.data) {
    body = <p className="muted">Loading clouds and accounts…</p>
  } else if (accounts.data.length === 0) {
    body = <p className="muted">There is no account to create a host with yet. Add one under Accounts.</p>
  } else {
    body = (
      <NewHostForm
        idPrefix={idPrefix}
        form={form}
        accounts={accounts.data}
        clouds={clouds.data}
        pending={create.isPending}
        onSubmit={onSubmit}
        suggestName={suggestName}
        nameIsSuggested={(name) => name === suggestedNameRef.current}
        onDeleteAfterChosen={() => {
          deleteAfterChosenRef.current = true
        }}
      />
    )
  }

  if (!open) return null
  return (
    <Dialog.Portal>
      <Dialog.Overlay className="nh-overlay" />
      <Dialog.Content
        className="nh-dialog"
        data-testid="new-host-dialog"
        onOpenAutoFocus={(event) => {
          // The first field, not the first button: the account is where a new host starts.
          const first = document.getElementById(`${idPrefix}-account`)
          if (first) {
            event.preventDefault()
            first.focus()
          }
        }}
      >
        <div className="nh-header">
          <Dialog.Title className="nh-title">New host</Dialog.Title>
          <Dialog.Description className="nh-description">
            A tunnel exit server on the cloud you choose. Check the review and the monthly cost before you create it.
          </Dialog.Description>
        </div>
        {body}
      </Dialog.Content>
    </Dialog.Portal>
  )
}
