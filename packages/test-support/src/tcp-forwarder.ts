import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP forwarder on 127.0.0.1 to a local port, which a test can cut (refuse new connections and
 * drop the open ones) and restore: a database going away and coming back, or coming up late. Or
 * freeze: the database's machine lost, silent, not even resetting a connection.
 */
export class TcpForwarder {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  /** Connections that carry nothing any more, and stay open: the lost machine's. */
  private readonly frozen = new Set<Socket>();
  private freezing = false;

  /** Forwards `port` (0: a free one, chosen by `restore()`) to `target`; it refuses until `restore()`. */
  constructor(
    private readonly target: number,
    public port = 0,
  ) {}

  /** A forwarder that already listens. */
  static async open(target: number, port = 0): Promise<TcpForwarder> {
    const forwarder = new TcpForwarder(target, port);
    await forwarder.restore();
    return forwarder;
  }

  /**
   * Listens (again) on its port; after `freeze()`, forwards new connections again (a failover's
   * new primary answers) while the frozen ones stay silent, as connections to a lost machine do.
   */
  restore(): Promise<void> {
    if (this.freezing) {
      this.freezing = false;
      return Promise.resolve();
    }
    const server = createServer((client) => {
      if (this.freezing) {
        this.hold(client);
        return;
      }
      const upstream = connect(this.target, '127.0.0.1');
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
      }
      client.pipe(upstream).pipe(client);
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
    });
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => {
        this.port = (server.address() as { port: number }).port;
        resolve();
      });
    });
  }

  /** Stops listening and drops every open connection. */
  async cut(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    this.freezing = false;
    for (const socket of [...this.sockets, ...this.frozen]) socket.destroy();
    this.frozen.clear();
    if (server) await new Promise((resolve) => server.close(resolve));
  }

  /** Nothing passes any more, and nothing is closed: open connections go silent, new ones are accepted and never answered. */
  freeze(): void {
    this.freezing = true;
    for (const socket of this.sockets) {
      socket.unpipe();
      this.hold(socket);
    }
    this.sockets.clear();
  }

  close(): Promise<void> {
    return this.cut();
  }

  private hold(socket: Socket): void {
    socket.pause();
    socket.on('error', () => {});
    this.frozen.add(socket);
  }
}
