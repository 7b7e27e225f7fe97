/** Small response and request-body helpers for the local HTTP bridge. */
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

export function failure(code: AppErrorInfo['code'], message: string): Envelope<never> {
  return { ok: false, error: { code, message, retryable: false } }
}

/** The envelope for a body that never reached the dispatcher (too large, wrong type, not JSON). */
export function bodyError(message: string): Envelope<never> {
  return { ok: false, error: { code: 'invalid-input', field: '(body)', message, retryable: false } }
}

/** The body, or 'too-large' as soon as it (declared or streamed) exceeds `limit` bytes. */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer | 'too-large'> {
  const declared = Number(req.headers['content-length'])
  if (Number.isFinite(declared) && declared > limit) {
    req.resume() // discard; the 413 closes the connection
    return Promise.resolve('too-large')
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    const onData = (chunk: Buffer): void => {
      size += chunk.length
      if (size > limit) {
        req.off('data', onData)
        req.resume()
        resolve('too-large')
      } else chunks.push(chunk)
    }
    req.on('data', onData)
    req.on('end', () => resolve(Buffer.concat(chunks)))
    req.on('error', reject)
  })
}
