import net from 'node:net';
import { OslpProtocolError, OslpTransportError } from '../../../adapters/oslp/errors';

/** The code of the OSLP error a promise rejects with; fails the test for any other outcome. */
export async function rejectionCode(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof OslpProtocolError || error instanceof OslpTransportError) return error.code;
    throw error;
  }
  throw new Error('expected the promise to reject');
}

export function syncErrorCode(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    if (error instanceof OslpProtocolError || error instanceof OslpTransportError) return error.code;
    throw error;
  }
  throw new Error('expected an OSLP error');
}

/** A TCP server on a free loopback port, running `onConnection` for every connection. */
export async function startServer(onConnection: (socket: net.Socket) => void): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    onConnection(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A loopback port nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = await startServer(() => {});
  await server.close();
  return server.port;
}

/** Writes raw bytes to the listener, optionally half-closing, and resolves with what comes back before close. */
export function rawExchange(port: number, bytes: Buffer, endAfterWrite: boolean): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const socket = net.connect({ host: '127.0.0.1', port }, () => {
      socket.write(bytes);
      if (endAfterWrite) socket.end();
    });
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', () => {});
    socket.on('close', () => resolve(Buffer.concat(chunks)));
  });
}
