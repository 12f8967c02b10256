import type { Server, Socket } from 'node:net';

/**
 * How many of something each address holds, at most `cap` at once: `admit` counts one for an
 * address and returns its release (which counts once), or `undefined` when the address is at
 * its cap. The connection cap below and the local gateway's requests in flight count with it.
 */
export function perAddressCounter(cap: number): { admit(address: string): (() => void) | undefined } {
  const held = new Map<string, number>();
  return {
    admit(address) {
      const count = held.get(address) ?? 0;
      if (count >= cap) return undefined;
      held.set(address, count + 1);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        const left = (held.get(address) ?? 1) - 1;
        if (left === 0) held.delete(address);
        else held.set(address, left);
      };
    },
  };
}

/**
 * A client address may hold at most `perAddress` connections to `server` at once; one more is
 * closed as soon as it is accepted, before its TLS handshake costs anything. Descriptors and
 * handshakes are what a flood of idle or slow connections from one address exhausts; other
 * addresses keep being served. Behind a proxy the peer is the proxy, so its cap must leave room
 * for the proxy's connection pool.
 */
export function capConnectionsPerAddress(server: Server, perAddress: number): void {
  const open = perAddressCounter(perAddress);
  // Before the TLS server's own listener, so a refused socket never starts a handshake.
  server.prependListener('connection', (socket: Socket) => {
    const release = open.admit(socket.remoteAddress ?? '');
    if (release) socket.once('close', release);
    else socket.destroy();
  });
}
