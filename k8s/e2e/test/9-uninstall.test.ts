// `helm uninstall` leaves nothing behind but the Secrets the chart marks to keep: no object the
// release made, nor any made on its behalf (the operators' and cert-manager's), remains.
import { describe, expect, it } from 'vitest';
import { eventually, helm, kubectl, kubectlJson, namespace, release } from './cluster.ts';

describe('helm uninstall', () => {
  it('leaves nothing behind but the Secrets the chart marks to keep', async () => {
    const kept = kubectlJson(['-n', namespace, 'get', 'secrets', '-l', `app.kubernetes.io/instance=${release}`])
      .items.filter((s: any) => s.metadata.annotations?.['helm.sh/resource-policy'] === 'keep')
      .map((s: any) => `Secret/${s.metadata.name}`);
    expect(kept.length).toBeGreaterThan(0);
    const installed = Date.parse(JSON.parse(helm(['status', release, '-n', namespace, '-o', 'json'])).info.first_deployed);
    helm(['uninstall', release, '-n', namespace, '--wait', '--timeout', '5m']);
    const types = kubectl(['api-resources', '--namespaced', '--verbs', 'list', '-o', 'name'])
      .trim()
      .split('\n')
      .filter((t) => !/^events/.test(t));
    const leftovers = () =>
      kubectlJson(['-n', namespace, 'get', types.join(',')])
        .items.filter((o: any) => Date.parse(o.metadata.creationTimestamp) >= Math.floor(installed / 1000) * 1000)
        .map((o: any) => `${o.kind}/${o.metadata.name}`)
        .sort();
    // Garbage collection of what the operators own takes a moment.
    await eventually('only the kept Secrets left', 180, () => {
      const left = leftovers();
      if (JSON.stringify(left) === JSON.stringify(kept.sort())) return true;
      throw new Error(`left: ${left.join(', ')}`);
    });
    const clusterWide = kubectlJson(['get', 'clusterroles,clusterrolebindings', '-l', `app.kubernetes.io/instance=${release}`]).items;
    expect(clusterWide.map((o: any) => `${o.kind}/${o.metadata.name}`)).toEqual([]);
    for (const secret of kept) kubectl(['-n', namespace, 'delete', secret.toLowerCase()]);
  });
});
