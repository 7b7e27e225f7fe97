/**
 * The HTTP plumbing the fake clouds in this folder share: reading a request's body (as JSON),
 * picking the injected failure a request meets, holding an answer back (a slow API) until the
 * client gives up, and closing the server. Every fake listens on 127.0.0.1 only
 * (`listenOnLoopback`, test/support/listeners.ts).
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http'

/** The request's body as text. */
export function readRaw(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    request.on('error', reject)
  })
}

/** A raw body parsed as JSON: no `body` when it is empty, `bodyError` when it is not JSON (the fake answers that as its API does). */
export function parseJsonBody(raw: string): { body: unknown; bodyError: boolean } {
  if (raw.length === 0) return { body: undefined, bodyError: false }
  try {
    return { body: JSON.parse(raw) as unknown, bodyError: false }
  } catch {
    return { body: undefined, bodyError: true }
  }
}

/** What an injected failure rule matches on; `used` counts the requests it has met. */
export interface MatchedRule {
  method?: string
  /** The path exactly, or a pattern. */
  path?: string | RegExp
  /** How many requests it meets; unlimited without. */
  times?: number
  used: number
}

/** The first rule not used up whose method and path match the request (not yet counted as used). */
export function findFailure<R extends MatchedRule>(failures: R[], method: string, path: string): R | undefined {
  return failures.find(
    (candidate) =>
      (candidate.times === undefined || candidate.used < candidate.times) &&
      (candidate.method === undefined || candidate.method.toUpperCase() === method) &&
      (candidate.path === undefined || (typeof candidate.path === 'string' ? candidate.path === path : candidate.path.test(path))),
  )
}

export interface HeldAnswers {
  /** Holds an answer back for `ms`: resolves false then, or true as soon as the client closed the connection (or `releaseAll` ran). */
  wait(ms: number, response: ServerResponse): Promise<boolean>
  /** Ends every hold at once (the fake is closing). */
  releaseAll(): void
}

export function heldAnswers(): HeldAnswers {
  const pending = new Set<() => void>()
  return {
    wait(ms, response) {
      return new Promise((resolve) => {
        const finish = (closed: boolean): void => {
          clearTimeout(timer)
          response.off('close', onClose)
          pending.delete(onClose)
          resolve(closed)
        }
        const onClose = (): void => finish(true)
        const timer = setTimeout(() => finish(false), ms)
        response.on('close', onClose)
        pending.add(onClose)
      })
    },
    releaseAll() {
      for (const release of [...pending]) release()
    },
  }
}

/** Closes `server` with its open connections: fetch keeps connections alive, and close() alone would wait for them. */
export function closeServer(server: Server): Promise<void> {
  return new Promise<void>((resolve) => {
    server.close(() => resolve())
    server.closeAllConnections()
  })
}

export interface LateWork {
  /** Resolves after `ms` of real time: a request the cloud carries out late, after its client gave up. `drain` waits for it. */
  after(ms: number): Promise<void>
  /** Resolves once every late request has been carried out. */
  drain(): Promise<void>
}

export function lateWork(): LateWork {
  const running = new Set<Promise<void>>()
  return {
    async after(ms) {
      const work = new Promise<void>((resolve) => setTimeout(resolve, ms))
      running.add(work)
      await work
      running.delete(work)
    },
    async drain() {
      while (running.size > 0) await Promise.all([...running])
      // The request handler carries the call out right after its delay: let it run.
      await new Promise((resolve) => setImmediate(resolve))
    },
  }
}

/** A gateway's HTML error page (what a proxy in front of the API answers), sent as it is. */
export function sendGatewayPage(response: ServerResponse, status: number): void {
  const text = `<html><head><title>${status} Bad Gateway</title></head><body><h1>${status} Bad Gateway</h1></body></html>\n`
  response.writeHead(status, { 'content-type': 'text/html', 'content-length': String(Buffer.byteLength(text)) })
  response.end(text)
}
