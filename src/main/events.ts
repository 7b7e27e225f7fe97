/**
 * A tiny typed event bus: main-side services emit, the bridges forward to the renderer. Every
 * payload passes the redactor (./redact) in emit, before any listener (bridge) sees it.
 */
import type { EventName, Events } from '../shared/contract'
import { redactor as sharedRedactor, type Redactor } from './redact'

export type Listener<E extends EventName> = (payload: Events[E]) => void

export interface EventBus {
  emit<E extends EventName>(event: E, payload: Events[E]): void
  on<E extends EventName>(event: E, listener: Listener<E>): () => void
}

export function createEventBus(redactor: Redactor = sharedRedactor): EventBus {
  const listeners = new Map<EventName, Set<(payload: unknown) => void>>()
  return {
    emit(event, payload) {
      const clean = redactor.redactDeep(payload)
      for (const listener of listeners.get(event) ?? []) listener(clean)
    },
    on(event, listener) {
      const set = listeners.get(event) ?? new Set()
      listeners.set(event, set)
      const wrapped = listener as (payload: unknown) => void
      set.add(wrapped)
      return () => set.delete(wrapped)
    },
  }
}
