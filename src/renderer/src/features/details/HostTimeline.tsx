import type { HostTimelineEntry } from '../../../../shared/contract'
import { formatLocalTime } from './time'

const KIND_WORDS: Record<HostTimelineEntry['kind'], string> = { step: 'Step', error: 'Error', notice: 'Notice' }

/**
 * The host's recorded moments, newest first: the panel is opened to see what just happened
 * (main sends them oldest first). Each carries its machine-readable time and the local time in
 * words; errors stand out in the danger colour and say "Error" to a screen reader.
 */
export function HostTimeline({ entries }: { entries: readonly HostTimelineEntry[] }) {
  if (entries.length === 0) return <p className="muted">Nothing has been recorded for this host yet.</p>
  const newestFirst = entries.map((entry, index) => ({ entry, index })).reverse()
  return (
    <ol className="details-timeline" data-testid="host-timeline" aria-label="Timeline, newest first">
      {newestFirst.map(({ entry, index }) => (
        <li key={`${entry.at}-${index}`} className={`details-timeline-entry details-timeline-${entry.kind}`} data-testid="timeline-entry" data-kind={entry.kind}>
          <time dateTime={entry.at} className="details-timeline-time small muted">
            {formatLocalTime(entry.at)}
          </time>
          <p className="details-timeline-text">
            <span className="details-sr-only">{KIND_WORDS[entry.kind]}: </span>
            {entry.text}
          </p>
        </li>
      ))}
    </ol>
  )
}
