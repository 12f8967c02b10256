// The chart's HorizontalPodAutoscalers at work, on metrics-server's CPU metric: CPU load through
// the entry point scales each Deployment up from its floor, and it comes back down once the load
// stops (the harness's values shorten the scale-down window to 30 s). Every request of the load is
// answered 200 while pods come and go. The replicas over time are printed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiClient, ApiResponse } from '@blog/test-support';
import { type Component, deployment, entryPointApi, eventually, kubectlJson, namespace, sleep } from './cluster.ts';

const suffix = `h${Date.now() % 1_000_000}`;
const handle = `@scale${suffix}`;
const password = `scale-${suffix}-${Math.random().toString(36).slice(2)}`;
let api: ApiClient;

beforeAll(async () => {
  api = entryPointApi();
  const created = await api.post('/users', { handle, name: 'Scale Test', password });
  expect(created.status).toBe(201);
});
afterAll(async () => {
  await api?.close();
});

interface Replicas {
  /** Seconds since the load started. */
  at: number;
  desired: number;
  ready: number;
  cpu?: number;
}

function replicas(component: Component, startedAt: number): Replicas {
  const hpa = kubectlJson(['-n', namespace, 'get', 'hpa', deployment(component)]);
  const d = kubectlJson(['-n', namespace, 'get', 'deployment', deployment(component)]);
  const cpu = hpa.status.currentMetrics?.[0]?.resource?.current?.averageUtilization;
  return {
    at: Math.round((Date.now() - startedAt) / 1000),
    desired: hpa.status.desiredReplicas ?? 0,
    ready: d.status.readyReplicas ?? 0,
    ...(cpu === undefined ? {} : { cpu }),
  };
}

/**
 * `workers` loops sending `send` until stopped; counts the answers by status, and keeps the first
 * few answers that were not 200 with the second of the load they came at, so a failure names its
 * cause (the service's own message, or the edge's). Sign-ins cost bcrypt on the user service,
 * reads of 100 blogs the blog service's serialisation.
 */
function load(workers: number, send: () => Promise<ApiResponse>, startedAt: number) {
  const statuses = new Map<number | string, number>();
  const failures: string[] = [];
  let running = true;
  const loops = Array.from({ length: workers }, async () => {
    while (running) {
      let outcome: number | string;
      try {
        const response = await send();
        outcome = response.status;
        if (outcome !== 200 && failures.length < 10) {
          failures.push(`${Math.round((Date.now() - startedAt) / 1000)}s ${outcome} ${response.text.slice(0, 200)}`);
        }
      } catch (error) {
        outcome = (error as Error).message;
      }
      statuses.set(outcome, (statuses.get(outcome) ?? 0) + 1);
    }
  });
  return {
    statuses,
    failures,
    async stop() {
      running = false;
      await Promise.all(loops);
    },
  };
}

const work: Record<Component, { workers: number; send: () => Promise<ApiResponse> }> = {
  user: { workers: 4, send: () => api.post('/auth', { username: handle, password }) },
  blog: { workers: 12, send: () => api.get('/blogs?limit=100') },
};

describe.each(['blog', 'user'] as const)('the %s service HPA', (component) => {
  it('scales the Deployment up from its floor under CPU load and back to it after, with no request failed', async () => {
    const floor = kubectlJson(['-n', namespace, 'get', 'hpa', deployment(component)]).spec.minReplicas as number;
    let startedAt = Date.now();
    const timeline: Replicas[] = [];
    const record = () => {
      const now = replicas(component, startedAt);
      const last = timeline.at(-1);
      if (!last || last.desired !== now.desired || last.ready !== now.ready) timeline.push(now);
      return now;
    };
    // Earlier steps' loads may have scaled it up: the test starts from the floor.
    await eventually(`the ${component} Deployment at its floor of ${floor} before the load`, 420, () => {
      const now = replicas(component, startedAt);
      return now.desired === floor && now.ready === floor;
    });
    startedAt = Date.now();
    const traffic = load(work[component].workers, work[component].send, startedAt);
    try {
      await eventually(`the ${component} HPA to scale above ${floor} ready replicas`, 420, () => record().ready > floor);
      // A little longer under load, so requests also meet the pods that just joined.
      await sleep(10_000);
    } finally {
      await traffic.stop();
    }
    const stoppedAt = Math.round((Date.now() - startedAt) / 1000);
    await eventually(`the ${component} Deployment back at its floor of ${floor}`, 420, () => {
      const now = record();
      return now.desired === floor && now.ready === floor;
    });
    const peak = Math.max(...timeline.map((point) => point.ready));
    console.log(
      `${component} HPA: floor ${floor}, peak ${peak} ready, load stopped at ${stoppedAt} s; replicas over time ` +
        timeline.map((p) => `${p.at}s desired ${p.desired} ready ${p.ready}${p.cpu === undefined ? '' : ` cpu ${p.cpu}%`}`).join('; ') +
        `; answers ${JSON.stringify(Object.fromEntries(traffic.statuses))}`,
    );
    expect(peak).toBeGreaterThan(floor);
    expect([...traffic.statuses.keys()], `answers other than 200: ${traffic.failures.join(' | ')}`).toEqual([200]);
  }, 900_000);
});
