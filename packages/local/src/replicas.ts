import { spawn, type ChildProcess } from 'node:child_process';
import { Agent, request } from 'undici';

/** The processes local mode runs: the two API services and the site. */
export type ServiceName = 'user' | 'blog' | 'web';

export interface ReplicaSpec {
  name: string;
  service: ServiceName;
  publicPort: number;
  /** The mutual-TLS port; the web service has none. */
  internalPort?: number;
  metricsPort: number;
  env: NodeJS.ProcessEnv;
}

export interface Replica extends ReplicaSpec {
  pid: number | undefined;
  healthy: boolean;
  restarts: number;
}

interface Running extends Replica {
  child: ChildProcess | undefined;
  stopping: boolean;
  startedAt: number;
  failures: number;
  exited: Promise<void>;
}

const maxBackoffMs = 30_000;

/**
 * Runs service replicas as child processes, restarts a crashed one with exponential backoff
 * (reported in the log), and checks every replica's readiness each second, as the kubelet does.
 */
export class Supervisor {
  private readonly replicas: Running[] = [];
  private readonly probe: Agent;
  private healthTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly nodeBinary: string,
    private readonly entryOf: (service: ServiceName) => string,
    private readonly cwd: string,
    ca: Buffer,
    private readonly log: (line: string) => void,
    private readonly onChange: () => void = () => undefined,
  ) {
    this.probe = new Agent({ connect: { ca, timeout: 1000 }, headersTimeout: 1000, bodyTimeout: 1000 });
  }

  list(): Replica[] {
    return this.replicas.map(({ name, service, publicPort, internalPort, metricsPort, env, pid, healthy, restarts }) => ({
      name,
      service,
      publicPort,
      internalPort,
      metricsPort,
      env,
      pid,
      healthy,
      restarts,
    }));
  }

  healthy(service: ServiceName): Replica[] {
    return this.replicas.filter((r) => r.service === service && r.healthy && !r.stopping);
  }

  add(spec: ReplicaSpec): void {
    const replica: Running = {
      ...spec,
      pid: undefined,
      healthy: false,
      restarts: 0,
      child: undefined,
      stopping: false,
      startedAt: 0,
      failures: 0,
      exited: Promise.resolve(),
    };
    this.replicas.push(replica);
    this.spawn(replica);
  }

  private spawn(replica: Running): void {
    const child = spawn(this.nodeBinary, ['--conditions=development', '--import', 'tsx', this.entryOf(replica.service)], {
      cwd: this.cwd,
      env: replica.env,
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    replica.child = child;
    replica.pid = child.pid;
    replica.startedAt = Date.now();
    replica.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        replica.healthy = false;
        replica.pid = undefined;
        resolve();
        if (replica.stopping) return;
        // A replica that ran a while before dying starts a fresh backoff sequence.
        replica.failures = Date.now() - replica.startedAt > 60_000 ? 1 : replica.failures + 1;
        const delay = Math.min(maxBackoffMs, 500 * 2 ** (replica.failures - 1));
        replica.restarts++;
        this.log(`replica ${replica.name} exited (${signal ?? `code ${code}`}); restarting in ${delay} ms (restart ${replica.restarts})`);
        this.onChange();
        setTimeout(() => {
          if (!replica.stopping) this.spawn(replica);
        }, delay).unref();
      });
    });
  }

  startHealthChecks(): void {
    this.healthTimer = setInterval(() => void this.checkHealth(), 1000);
    this.healthTimer.unref();
  }

  async checkHealth(): Promise<void> {
    let changed = false;
    await Promise.all(
      this.replicas.map(async (replica) => {
        let healthy = false;
        if (replica.pid !== undefined && !replica.stopping) {
          try {
            const response = await request(`https://127.0.0.1:${replica.publicPort}/readyz`, { dispatcher: this.probe });
            await response.body.dump();
            healthy = response.statusCode === 200;
          } catch {
            healthy = false;
          }
        }
        if (healthy !== replica.healthy) {
          replica.healthy = healthy;
          changed = true;
          this.log(`replica ${replica.name} is ${healthy ? 'ready' : 'not ready'}`);
        }
      }),
    );
    if (changed) this.onChange();
  }

  async waitUntilReady(service: ServiceName, count: number, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.healthy(service).length < count) {
      if (Date.now() > deadline) throw new Error(`the ${service} service did not become ready within ${timeoutMs / 1000} s`);
      await this.checkHealth();
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  /** SIGTERM to every replica of `service` (readiness off, in-flight requests finish), SIGKILL after the grace period. */
  async stop(service: ServiceName, graceMs = 15_000): Promise<void> {
    const targets = this.replicas.filter((r) => r.service === service);
    for (const replica of targets) {
      replica.stopping = true;
      replica.healthy = false;
      replica.child?.kill('SIGTERM');
    }
    await Promise.all(
      targets.map(async (replica) => {
        const killer = setTimeout(() => replica.child?.kill('SIGKILL'), graceMs);
        await replica.exited;
        clearTimeout(killer);
      }),
    );
  }

  async close(): Promise<void> {
    clearInterval(this.healthTimer);
    await this.probe.close();
  }
}
