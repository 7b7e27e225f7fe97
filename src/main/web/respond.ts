/**
 * Small response and request-body helpers for the local HTTP bridge.
 *
 * A refusal (refuseText/refuseJson) is the connection's last answer, and its request body is
 * never read: node:http would otherwise read and discard the whole body after the answer
 * (to reach the next request on the connection), so anyone on this computer could make us
 * swallow gigabytes without the token. Once the answer is flushed the socket is destroyed.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { AppErrorInfo, Envelope } from '../../shared/errors'

export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value)
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
  })
  res.end(body)
}

export function sendText(res: ServerResponse, status: number, text: string, extra: Record<string, string> = {}): void {
  res.writeHead(status, {
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
    ...extra,
  })
  res.end(text)
}

/**
 * Makes this answer the connection's last and destroys the socket once it is flushed, unread body
 * and all. On its own, node:http 20 would first resume the unread body ("req._dump()") and then
 * only end the socket, destroying it after the FIN is written (resOnFinish in
 * https://github.com/nodejs/node/blob/v20.x/lib/_http_server.js), reading meanwhile; destroying
 * it here, right after that listener, stops the reading at once.
 */
export function hangUpAfter(res: ServerResponse): void {
  // Taken now: node:http detaches the socket from the response in its own 'finish' listener.
  const socket = res.socket
  res.setHeader('Connection', 'close')
  res.once('finish', () => socket?.destroy())
}

export function refuseText(res: ServerResponse, status: number, text: string, extra: Record<string, string> = {}): void {
  hangUpAfter(res)
  sendText(res, status, text, extra)
}

export function refuseJson(res: ServerResponse, status: number, value: unknown): void {
  hangUpAfter(res)
  sendJson(res, status, value)
}

export function failure(code: AppErrorInfo['code'], message: string): Envelope<never> {
  return { ok: false, error: { code, message, retryable: false } }
}

/** The envelope for a body that never reached the dispatcher (too large, wrong type, not JSON). */
export function bodyError(message: string): Envelope<never> {
  return { ok: false, error: { code: 'invalid-input', field: '(body)', message, retryable: false } }
}

/**
 * The body, or 'too-large' as soon as it (declared or streamed) exceeds `limit` bytes; then the
 * rest is left unread (answer with a refusal, which hangs up).
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer | 'too-large'> {
  const declared = Number(req.headers['content-length'])
  if (Number.isFinite(declared) && declared > limit) return Promise.resolve('too-large')
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    const onData = (chunk: Buffer): void => {
      size += chunk.length
      if (size > limit) {
        req.off('data', onData)
        req.pause()
        resolve('too-large')
      } else chunks.push(chunk)
    }
    req.on('data', onData)
    req.on('end', () => resolve(Buffer.concat(chunks)))
    req.on('error', reject)
  })
}
