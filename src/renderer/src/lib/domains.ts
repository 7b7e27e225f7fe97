/** "a.example.com, b.example.com\nc.example.com" -> three domains, trimmed, blanks and repeats dropped. */
export function parseDomains(text: string): string[] {
  const seen = new Set<string>()
  for (const part of text.split(/[\s,;]+/)) {
    const domain = part.trim()
    if (domain) seen.add(domain)
  }
  return [...seen]
}
