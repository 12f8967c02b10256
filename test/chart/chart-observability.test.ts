// The alert rules and the dashboard parse as PromQL and only use metrics the services expose.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'undici';
import { parse } from 'yaml';
import { parser } from '@prometheus-io/lezer-promql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPlatform, type TestPlatform } from '@blog/test-support';
import { chartDir, ciValuesFiles, render } from './support.ts';

const alerts = parse(readFileSync(join(chartDir, 'files/alerts.yaml'), 'utf8')).groups.flatMap((g: any) => g.rules) as {
  alert: string;
  expr: string;
}[];
const dashboard = JSON.parse(readFileSync(join(chartDir, 'files/dashboard.json'), 'utf8'));
const panelQueries = dashboard.panels.flatMap((p: any) => p.targets.map((t: any) => ({ panel: p.title, expr: t.expr as string })));

/** Parse errors and the metric names a query selects. */
function analyse(expr: string): { errors: number; metrics: string[] } {
  let errors = 0;
  const metrics: string[] = [];
  parser.parse(expr).iterate({
    enter: (node) => {
      if (node.type.isError) errors++;
      if (node.name === 'VectorSelector') {
        const id = node.node.getChild('Identifier');
        if (id) metrics.push(expr.slice(id.from, id.to));
      }
    },
  });
  return { errors, metrics };
}

let platform: TestPlatform;
const exposed = new Set<string>();
beforeAll(async () => {
  platform = await startPlatform();
  for (const url of [platform.urls.userMetrics, platform.urls.blogMetrics]) {
    const text = await (await request(url)).body.text();
    for (const match of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
      const [, name, type] = match as unknown as [string, string, string];
      exposed.add(name);
      if (type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) exposed.add(`${name}${suffix}`);
      if (type === 'summary') for (const suffix of ['_sum', '_count']) exposed.add(`${name}${suffix}`);
    }
  }
});
afterAll(() => platform?.close());

describe('alerts and dashboard', () => {
  it('alert on errors, latency, sign-in attacks and the deletion outbox', () => {
    expect(alerts.map((a) => a.alert)).toEqual(
      expect.arrayContaining([
        'BlogPlatformHighErrorRatio',
        'BlogPlatformHighLatency',
        'BlogPlatformSignInFailureSpike',
        'BlogPlatformDeletionOutboxGrowing',
      ]),
    );
  });

  it.each([
    ...alerts.map((a) => ({ where: `alert ${a.alert}`, expr: a.expr })),
    ...panelQueries.map((q: any) => ({ where: `panel ${q.panel}`, expr: q.expr })),
  ])('$where parses and uses existing metrics', ({ expr }) => {
    const { errors, metrics } = analyse(expr);
    expect(errors, expr).toBe(0);
    expect(metrics.length).toBeGreaterThan(0);
    // kube_* series come from kube-state-metrics (the scheduled audit's Job status), `up` from
    // Prometheus itself, one per target.
    for (const metric of metrics.filter((m) => !m.startsWith('kube_') && m !== 'up'))
      expect(exposed.has(metric), `${metric} is not exposed by the services`).toBe(true);
  });

  it('the parser does reject broken PromQL', () => {
    expect(analyse('rate(http_requests_total[5m]').errors).toBeGreaterThan(0);
  });

  it('ship in the chart as a PrometheusRule, a ServiceMonitor and a dashboard ConfigMap', () => {
    const objects = render(ciValuesFiles.find((f) => f.includes('default'))!);
    const rule = objects.find((o) => o.kind === 'PrometheusRule')!;
    expect(rule.spec.groups[0].rules.map((r: any) => r.alert)).toEqual(alerts.map((a) => a.alert));
    expect(objects.find((o) => o.kind === 'ServiceMonitor')!.spec.endpoints[0].port).toBe('metrics');
    const configMap = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.labels?.grafana_dashboard === '1')!;
    expect(JSON.parse((configMap as any).data['blog-platform.json']).uid).toBe('blog-platform');
  });
});
