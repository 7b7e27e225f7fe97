/**
 * The only place in src/main that writes to the console (lint enforces it): every line passes
 * the redactor first, so a secret that slipped into a message (a provider's echo inside an
 * error, say) never reaches a terminal or a log collector. Callers pass one finished sentence.
 */
import { redactor } from './redact'

export const log = {
  /** Normal output for the person who started Exitdesk (stdout). */
  info(message: string): void {
    console.log(redactor.redactText(message))
  },
  warn(message: string): void {
    console.warn(redactor.redactText(message))
  },
  error(message: string): void {
    console.error(redactor.redactText(message))
  },
}
