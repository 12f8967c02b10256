import { createConnection, createServer, type Server, type Socket } from 'node:net';

/**
 * A layer-4 balancer for a service's internal port, standing in for a Kubernetes Service:
 * it forwards raw TCP, so mutual TLS stays end to end between the peers.
 */
export async function startTcpBalancer(upstreams: () => number[], host = '127.0.0.1'): Promise<{ port: number; close(): Promise<void> }> {
  let next = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    sockets.add(client);
    client.once('close', () => sockets.delete(client));
    const ports = upstreams();
    const tryConnect = (attempt: number) => {
      if (attempt >= ports.length) return client.destroy();
      const port = ports[(next + attempt) % ports.length]!;
      const upstream = createConnection({ host, port });
      let connected = false;
      upstream.once('connect', () => {
        connected = true;
        next++;
        sockets.add(upstream);
        upstream.once('close', () => sockets.delete(upstream));
        client.pipe(upstream).pipe(client);
        client.on('error', () => upstream.destroy());
      });
      upstream.on('error', () => {
        if (connected) client.destroy();
        else tryConnect(attempt + 1);
      });
    };
    tryConnect(0);
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return {
    port: (server.address() as { port: number }).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
