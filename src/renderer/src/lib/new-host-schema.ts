/**
 * The New host dialog's form: what the inputs hold (`NewHostValues`), how they map to the
 * `hosts:create` input, and the schema that checks them. Pure: no React, no DOM.
 *
 * The rules come from one place: the schema maps the values to the create input and checks
 * that with the contract's own `createHostInputSchema` (the same schema main runs first), so a
 * domain, an inlets-pro release or an empty region is judged exactly as main would judge it.
 * On top of that, a superRefine adds what only the form knows: the chosen cloud's naming rule
 * (shared/naming, which main checks again) and "HTTPS needs at least one domain" in the
 * words of the form. Every problem is reported at once, each at its own field.
 */
import type { UseFormReturn } from 'react-hook-form'
import { z } from 'zod'
import { createHostInputSchema, tunnelInputSchema } from '../../../shared/contract'
import type { AutoTeardownChoice, LetsEncryptIssuer, NameRule, TunnelMode } from '../../../shared/domain'
import { hostNameProblem } from '../../../shared/naming'
import { parseDomains } from './domains'
import { fieldLabel, matchField } from './fields'
import type { CreateRequest } from './request-id'

/** What the dialog's inputs hold: text as typed (domains in one text box), choices as chosen. */
export interface NewHostValues {
  accountId: string
  region: string
  plan: string
  tunnel: {
    mode: TunnelMode
    /** Comma or newline separated, as typed; split by `parseDomains`. */
    domainsText: string
    letsEncryptIssuer: LetsEncryptIssuer
    inletsVersion: string
  }
  deleteAfter: AutoTeardownChoice
  name: string
}

/** The form's fields, by their path in `NewHostValues`, in the order the dialog shows them. */
export const NEW_HOST_FIELDS = [
  'accountId',
  'region',
  'plan',
  'tunnel.mode',
  'tunnel.domainsText',
  'tunnel.letsEncryptIssuer',
  'tunnel.inletsVersion',
  'deleteAfter',
  'name',
] as const
export type NewHostField = (typeof NEW_HOST_FIELDS)[number]

/** The create input's field paths (as main names them in an error) and the form field showing each. */
const FIELD_OF_INPUT_PATH = {
  accountId: 'accountId',
  name: 'name',
  region: 'region',
  plan: 'plan',
  'tunnel.mode': 'tunnel.mode',
  'tunnel.domains': 'tunnel.domainsText',
  'tunnel.letsEncryptIssuer': 'tunnel.letsEncryptIssuer',
  'tunnel.inletsVersion': 'tunnel.inletsVersion',
  deleteAfter: 'deleteAfter',
} as const satisfies Record<string, NewHostField>
const INPUT_PATHS = Object.keys(FIELD_OF_INPUT_PATH) as Array<keyof typeof FIELD_OF_INPUT_PATH>

/**
 * The form field an error about `inputPath` belongs next to ("tunnel.domains.1" -> the domains
 * box), for the schema's own issues and for main's refusals alike; undefined when none fits.
 */
export function newHostFieldOf(inputPath: string | undefined): NewHostField | undefined {
  const path = matchField(inputPath, INPUT_PATHS)
  return path ? FIELD_OF_INPUT_PATH[path] : undefined
}

/** The values as the `hosts:create` input (without the request id, which lib/request-id chooses). */
export function toCreateRequest(values: NewHostValues): CreateRequest {
  const { tunnel } = values
  return {
    accountId: values.accountId,
    name: values.name,
    region: values.region,
    plan: values.plan,
    tunnel: {
      mode: tunnel.mode,
      inletsVersion: tunnel.inletsVersion.trim(),
      domains: tunnel.mode === 'https' ? parseDomains(tunnel.domainsText) : [],
      letsEncryptIssuer: tunnel.letsEncryptIssuer,
    },
    deleteAfter: values.deleteAfter,
  }
}

/** The create input as main checks it; the request id is added when the form is sent. */
const createInputWithoutId = createHostInputSchema.omit({ requestId: true })

/** What main's sentence for `path` would say, with the words on the screen ("Domain 2 must be ..."). */
function sentence(inputPath: string, message: string): string {
  const label = fieldLabel(inputPath) ?? inputPath
  return `${label} ${message}${/[.!?]$/.test(message) ? '' : '.'}`
}

/**
 * `nameRuleOf` gives the naming rule of the cloud an account belongs to (undefined for an
 * account whose cloud this version does not know). The output is the create input.
 */
export function newHostFormSchema(nameRuleOf: (accountId: string) => NameRule | undefined) {
  return z
    .object({
      accountId: z.string(),
      region: z.string(),
      plan: z.string(),
      tunnel: z.object({
        mode: tunnelInputSchema.shape.mode,
        domainsText: z.string(),
        letsEncryptIssuer: tunnelInputSchema.shape.letsEncryptIssuer.unwrap(),
        inletsVersion: z.string(),
      }),
      deleteAfter: createHostInputSchema.shape.deleteAfter.unwrap(),
      name: z.string(),
    })
    .superRefine((values, ctx) => {
      // The first problem found for a field is the one shown next to it.
      const reported = new Set<string>()
      const report = (field: NewHostField | 'root', message: string): void => {
        if (reported.has(field)) return
        reported.add(field)
        ctx.addIssue({ code: 'custom', path: field.split('.'), message })
      }

      const rule = nameRuleOf(values.accountId)
      if (!rule) {
        report('accountId', 'Choose an account whose cloud this version of Exitdesk knows.')
      } else {
        const problem = hostNameProblem(values.name, rule)
        if (problem) report('name', `Host name ${problem}.`)
      }
      if (values.region === '') report('region', 'Choose a region.')
      if (values.plan === '') report('plan', 'Choose a region where this cloud sells a plan.')
      if (values.tunnel.mode === 'https' && parseDomains(values.tunnel.domainsText).length === 0) {
        report('tunnel.domainsText', 'HTTPS needs at least one domain.')
      }

      // Everything else exactly as main judges it.
      const checked = createInputWithoutId.safeParse(toCreateRequest(values))
      if (checked.success) return
      for (const issue of checked.error.issues) {
        const inputPath = issue.path.join('.')
        report(newHostFieldOf(inputPath) ?? 'root', sentence(inputPath, issue.message))
      }
    })
    .transform(toCreateRequest)
}

export type NewHostFormSchema = ReturnType<typeof newHostFormSchema>

/** The dialog's react-hook-form instance: typed values in, the create input out. */
export type NewHostFormApi = UseFormReturn<NewHostValues, unknown, CreateRequest>
export type NewHostControl = NewHostFormApi['control']
