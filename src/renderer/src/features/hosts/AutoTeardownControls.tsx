/**
 * A row's auto-teardown countdown: its own component, so the shared clock re-renders only it,
 * as with the age. Changing or cancelling the auto-teardown is the row menu's "Delete after"
 * (HostRow.tsx).
 */
import { useState } from 'react'
import { useNow } from '../../hooks/useNow'
import { formatCountdown } from '../../lib/countdown'

export function Countdown({ deleteAt }: { deleteAt: string }) {
  // The shared clock ticks every 15 s, so it may be older than this countdown: a host just
  // created with "1 h" would read "deletes in 1 h 1 min" until the next tick. Never earlier
  // than when the countdown first showed.
  const [shownSince] = useState(() => Date.now())
  const text = formatCountdown(deleteAt, Math.max(useNow(), shownSince))
  return text ? (
    <span className="tag tag-countdown" data-testid="host-countdown" title={`Auto-teardown at ${new Date(deleteAt).toLocaleString()}`}>
      {text}
    </span>
  ) : null
}
