/**
 * The renderer's bridge when it runs in an ordinary browser (`npm run web`): the same
 * ExitdeskBridge the preload gives it under Electron, carried by the local HTTP bridge in
 * src/main/web.ts. Browser code only: no node imports. The page is served at the secret
 * address /app/<token>/, and every URL here is relative to the page ('api/events',
 * 'api/invoke/<channel>'), so the browser resolves it under that prefix and the token in the
 * path authenticates the request. No cookie is involved; the browser adds our Origin to each POST.
 *
 * The browser types it needs (fetch, EventSource) are written here as small structural
 * types, so the file also compiles in the node test project and tests can inject fakes.
 */
import type { Channel, ChannelInput, ChannelResult, EventName, Events, ExitdeskBridge } from '../../../shared/contract'
import type { AppErrorInfo, Envelope } from '../../../shared/errors'

export interface FetchResponseLike {
  status: number
  json(): Promise<unknown>
}
export type FetchLike = (
  url: string,
  init: { method: 'POST'; headers: Record<string, string>; body: string; credentials: 'omit' },
) => Promise<FetchResponseLike>

export interface EventSourceLike {
  addEventListener(type: string, listener: (event: { data: string }) => void): void
  close(): void
}

export interface HttpBridgeOptions {
  /**
   * The app's address (e.g. http://127.0.0.1:PORT/app/<token>/, with the trailing slash) to
   * resolve the API paths against. Unset in the browser: the URLs stay relative and the
   * browser resolves them against the page.
   */
  baseUrl?: string
  fetch?: FetchLike
  createEventSource?: (url: string) => EventSourceLike
}

export const NETWORK_ERROR: AppErrorInfo = {
  code: 'network',
  message: "Exitdesk's local service is not answering. Is `npm run web` still running?",
  retryable: true,
}

/** A 401 means the service is up but this page's address is not this run's: each run prints a new one. */
export const SESSION_ERROR: AppErrorInfo = {
  code: 'unauthorized',
  message: "This page's address is not valid for the running Exitdesk (each run prints a new one). Open the address printed in the terminal where `npm run web` is running.",
  retryable: false,
}

export function createHttpBridge(options: HttpBridgeOptions = {}): ExitdeskBridge {
  const base = options.baseUrl
  const resolveUrl = (path: string): string => (base ? new URL(path, base).href : path)
  const doFetch: FetchLike = options.fetch ?? ((url, init) => globalThis.fetch(url, init))
  const createEventSource =
    options.createEventSource ??
    ((url: string) => new (globalThis as unknown as { EventSource: new (url: string) => EventSourceLike }).EventSource(url))

  const listeners = new Map<EventName, Set<(payload: unknown) => void>>()
  let source: EventSourceLike | undefined

  function deliver(event: EventName, data: string): void {
    let payload: unknown
    try {
      payload = JSON.parse(data)
    } catch {
      return // a malformed event is dropped, not thrown into the page
    }
    for (const listener of [...(listeners.get(event) ?? [])]) {
      try {
        listener(payload)
      } catch (error) {
        // One failing listener must not starve the others; report it without breaking the loop.
        queueMicrotask(() => {
          throw error
        })
      }
    }
  }

  return {
    async invoke<C extends Channel>(channel: C, input: ChannelInput<C>): Promise<Envelope<ChannelResult<C>>> {
      try {
        const response = await doFetch(resolveUrl(`api/invoke/${encodeURIComponent(channel)}`), {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify(input ?? {}),
          credentials: 'omit', // the token is in the path; nothing ambient is needed or sent
        })
        if (response.status === 401) return { ok: false, error: SESSION_ERROR }
        const body = await response.json().catch(() => undefined)
        if (response.status === 200 && isEnvelope(body)) return body as Envelope<ChannelResult<C>>
        // 400/413/415 carry the service's own explanation (e.g. "larger than 1 MB"); keep it.
        if (isEnvelope(body) && !body.ok) return body as Envelope<ChannelResult<C>>
        return { ok: false, error: NETWORK_ERROR }
      } catch {
        return { ok: false, error: NETWORK_ERROR }
      }
    },

    on<E extends EventName>(event: E, listener: (payload: Events[E]) => void): () => void {
      source ??= createEventSource(resolveUrl('api/events'))
      let set = listeners.get(event)
      if (!set) {
        set = new Set()
        listeners.set(event, set)
        source.addEventListener(event, (message) => deliver(event, message.data))
      }
      const wrapped = listener as (payload: unknown) => void
      set.add(wrapped)
      let active = true
      return () => {
        if (!active) return
        active = false
        set.delete(wrapped)
        // The last listener gone: close the stream; the next `on` opens a fresh one.
        if ([...listeners.values()].every((s) => s.size === 0)) {
          source?.close()
          source = undefined
          listeners.clear()
        }
      }
    },
  }
}

function isEnvelope(value: unknown): value is Envelope<unknown> {
  if (typeof value !== 'object' || value === null) return false
  const ok = (value as { ok?: unknown }).ok
  if (ok === true) return true
  return ok === false && typeof (value as { error?: unknown }).error === 'object' && (value as { error?: unknown }).error !== null
}

/** The browser's bridge: URLs relative to the page at /app/<token>/. */
export const httpBridge: ExitdeskBridge = createHttpBridge()
