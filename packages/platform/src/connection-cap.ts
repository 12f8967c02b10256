import type { Server, Socket } from 'node:net';

/**
 * A client address may hold at most `perAddress` connections to `server` at once; one more is
 * closed as soon as it is accepted, before its TLS handshake costs anything. Descriptors and
 * handshakes are what a flood of idle or slow connections from one address exhausts; other
 * addresses keep being served. Behind a proxy the peer is the proxy, so its cap must leave room
 * for the proxy's connection pool.
 */
export function capConnectionsPerAddress(server: Server, perAddress: number): void {
  const open = new Map<string, number>();
  // Before the TLS server's own listener, so a refused socket never starts a handshake.
  server.prependListener('connection', (socket: Socket) => {
    const address = socket.remoteAddress ?? '';
    const count = (open.get(address) ?? 0) + 1;
    if (count > perAddress) {
      socket.destroy();
      return;
    }
    open.set(address, count);
    socket.once('close', () => {
      const left = (open.get(address) ?? 1) - 1;
      if (left === 0) open.delete(address);
      else open.set(address, left);
    });
  });
}
