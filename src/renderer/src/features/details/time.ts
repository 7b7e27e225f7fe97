/** Times as the details panel shows them: the user's own locale and time zone. Pure: no React. */

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' })

/** "10 Mar 2026, 13:04:05" in the user's locale; the ISO text itself when it cannot be read. */
export function formatLocalTime(iso: string): string {
  const at = Date.parse(iso)
  return Number.isNaN(at) ? iso : dateTime.format(at)
}
