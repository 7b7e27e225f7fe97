/** A tiny typed event bus: main-side services emit, the bridges forward to the renderer. */
import type { EventName, Events } from '../shared/contract'

export type Listener<E extends EventName> = (payload: Events[E]) => void

export interface EventBus {
  emit<E extends EventName>(event: E, payload: Events[E]): void
  on<E extends EventName>(event: E, listener: Listener<E>): () => void
}

export function createEventBus(): EventBus {
  const listeners = new Map<EventName, Set<(payload: unknown) => void>>()
  return {
    emit(event, payload) {
      for (const listener of listeners.get(event) ?? []) listener(payload)
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
