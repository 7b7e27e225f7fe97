/**
 * Prompt, graceful shutdown for a node:http server. Each socket's requests in flight are
 * counted, so the closer can cut every socket the moment it is idle — including sockets a
 * client opened ahead without sending a request, which server.closeIdleConnections() leaves
 * open until they time out. Requests still running get `forceAfterMs` to finish.
 */
import type { Server } from 'node:http'
import type { Socket } from 'node:net'

export function createCloser(server: Server, forceAfterMs = 1_000): () => Promise<void> {
  const sockets = new Map<Socket, number>()
  let closing: Promise<void> | undefined

  server.on('connection', (socket: Socket) => {
    sockets.set(socket, 0)
    socket.on('close', () => sockets.delete(socket))
  })
  server.on('request', (req, res) => {
    const socket = req.socket
    sockets.set(socket, (sockets.get(socket) ?? 0) + 1)
    let done = false
    const finished = (): void => {
      if (done) return
      done = true
      const left = (sockets.get(socket) ?? 1) - 1
      if (sockets.has(socket)) sockets.set(socket, left)
      if (closing && left === 0) setImmediate(() => socket.destroy())
    }
    res.on('finish', finished)
    res.on('close', finished)
  })

  return () => {
    closing ??= new Promise<void>((resolve) => {
      const force = setTimeout(() => {
        for (const socket of sockets.keys()) socket.destroy()
      }, forceAfterMs)
      force.unref()
      server.close(() => {
        clearTimeout(force)
        resolve()
      })
      for (const [socket, inFlight] of sockets) if (inFlight === 0) socket.destroy()
    })
    return closing
  }
}
