/**
 * A TCP proxy in front of a real server, for fault injection: it forwards, or plays a server that is down.
 *   forward  every connection is piped to the target
 *   silent   connections are accepted and read, and never answered (a hung or black-holed server)
 *   refuse   connections are reset as soon as they are accepted (a server that is gone)
 * Switching mode cuts the connections already open, so clients meet the new behaviour on their next one.
 */
import net from 'node:net';

export type ProxyMode = 'forward' | 'silent' | 'refuse';

export interface TcpProxy {
  /** host:port to connect to instead of the target. */
  address: string;
  setMode(mode: ProxyMode): void;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  let mode: ProxyMode = 'forward';
  const open = new Set<net.Socket>();
  const track = (socket: net.Socket) => {
    open.add(socket);
    socket.on('close', () => open.delete(socket));
    socket.on('error', () => socket.destroy());
  };
  const server = net.createServer((client) => {
    track(client);
    if (mode === 'refuse') {
      client.resetAndDestroy();
      return;
    }
    if (mode === 'silent') {
      client.resume(); // read and drop, never answer
      return;
    }
    const upstream = net.connect(target);
    track(upstream);
    client.pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    address: `127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    setMode(next) {
      mode = next;
      for (const socket of open) socket.destroy();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of open) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
