/** Marks the built-in simulated cloud wherever it appears: nothing real is created or billed there. */
export function SimulatedTag() {
  return (
    <span className="tag tag-simulated" data-testid="simulated-tag" title="The built-in simulated cloud: nothing real is created and nothing is billed.">
      Simulated
    </span>
  )
}
