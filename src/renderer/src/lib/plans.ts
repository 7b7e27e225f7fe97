/** Region and plan choice for the create form. Pure: no React, no DOM. */
import type { Plan, Region } from '../../../shared/domain'

/** Plans sold in `region` (a plan without a region list is sold everywhere). */
export function plansInRegion(plans: readonly Plan[], region: string | undefined): Plan[] {
  return plans.filter((plan) => !plan.regions || (region !== undefined && plan.regions.includes(region)))
}

/** The cheapest plan; on a tie the cloud's own default, then the first listed. */
export function cheapestPlan(plans: readonly Plan[], preferredId?: string): Plan | undefined {
  let best: Plan | undefined
  for (const plan of plans) {
    if (
      !best ||
      plan.monthlyCostUsd < best.monthlyCostUsd ||
      (plan.monthlyCostUsd === best.monthlyCostUsd && plan.id === preferredId && best.id !== preferredId)
    ) {
      best = plan
    }
  }
  return best
}

/** The user's region if still offered, else the cloud's default, else the first. */
export function chooseRegion(regions: readonly Region[], chosen: string | undefined, cloudDefault: string): string | undefined {
  if (chosen !== undefined && regions.some((region) => region.id === chosen)) return chosen
  if (regions.some((region) => region.id === cloudDefault)) return cloudDefault
  return regions[0]?.id
}

/** The user's plan if sold in the region, else the cheapest there. */
export function choosePlan(available: readonly Plan[], chosen: string | undefined, cloudDefault: string): Plan | undefined {
  const kept = chosen === undefined ? undefined : available.find((plan) => plan.id === chosen)
  return kept ?? cheapestPlan(available, cloudDefault)
}
