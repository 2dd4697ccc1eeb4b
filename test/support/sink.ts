import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface ReceivedRequest {
  at: number
  path: string
  headers: IncomingHttpHeaders
  body: string
}

/** Decides the answer to one request; `index` counts requests to this sink from 0. */
export type Responder = (
  request: ReceivedRequest,
  index: number,
  response: ServerResponse,
) => void | Promise<void>

export const answer =
  (status: number, headers: Record<string, string> = {}, body = ''): Responder =>
  (_request, _index, response) => {
    response.writeHead(status, headers).end(body)
  }

/** A real HTTP receiver on 127.0.0.1 that records every request it gets. */
export class Sink {
  readonly received: ReceivedRequest[] = []
  url = ''
  private constructor(private readonly server: Server) {}

  static async start(responder: Responder = answer(204)): Promise<Sink> {
    let sink: Sink | undefined
    const server = createServer((request, response) => {
      const chunks: Buffer[] = []
      request.on('data', (chunk: Buffer) => chunks.push(chunk))
      request.on('end', () => {
        const received: ReceivedRequest = {
          at: Date.now(),
          path: request.url ?? '/',
          headers: request.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        }
        const target = sink as Sink
        const index = target.received.length
        target.received.push(received)
        void Promise.resolve(target.responder(received, index, response)).catch(() => response.destroy())
      })
    })
    sink = new Sink(server)
    sink.responder = responder
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    sink.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    return sink
  }

  responder: Responder = answer(204)

  async close(): Promise<void> {
    this.server.closeAllConnections()
    await new Promise<void>((resolve) => this.server.close(() => resolve()))
  }
}

/** A port on 127.0.0.1 with nothing listening (bound and released), for "connection refused". */
export async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}
