import { useId, type ReactNode } from 'react'

interface Props {
  title: string
  /** Shown at the right of the heading, e.g. when the list was last refreshed. */
  aside?: ReactNode
  className?: string
  children: ReactNode
}

/** A card with a heading that names it for screen readers. */
export function Section({ title, aside, className, children }: Props) {
  const headingId = useId()
  return (
    <section className={className ? `card ${className}` : 'card'} aria-labelledby={headingId}>
      <div className="card-head">
        <h2 id={headingId}>{title}</h2>
        {aside ? <div className="card-aside">{aside}</div> : null}
      </div>
      {children}
    </section>
  )
}
