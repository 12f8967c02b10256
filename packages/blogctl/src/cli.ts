// blogctl audit: inspects a deployment and says what is unsafe.
//   helm template blog charts/blog-platform | blogctl audit -f -        (offline)
//   blogctl audit --namespace blog [--context kind-blog-platform]       (live, current kubeconfig)
//   blogctl audit --namespace blog --in-cluster                         (from the chart's CronJob)
// Exit code: 0 no FAIL, 1 at least one FAIL, 2 bad usage or unreachable cluster.
import { parseArgs } from 'node:util';
import { audit, formatReport } from './audit.ts';
import { kubeConfig, readManifests, readNamespace } from './sources.ts';

const usage =
  'usage: blogctl audit (-f <file|-> | --namespace <ns> [--context <name>] [--kubeconfig <path>] [--in-cluster]) [--json] [--verbose]';

const parseCommandLine = (argv: string[]) =>
  parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      file: { type: 'string', short: 'f' },
      namespace: { type: 'string', short: 'n' },
      context: { type: 'string' },
      kubeconfig: { type: 'string' },
      'in-cluster': { type: 'boolean' },
      json: { type: 'boolean' },
      verbose: { type: 'boolean', short: 'v' },
      help: { type: 'boolean', short: 'h' },
    },
  });

export async function main(argv: string[]): Promise<number> {
  let args: ReturnType<typeof parseCommandLine>;
  try {
    args = parseCommandLine(argv);
  } catch (error) {
    console.error(`${(error as Error).message}\n${usage}`);
    return 2;
  }
  const { values, positionals } = args;
  if (values.help) {
    console.log(usage);
    return 0;
  }
  if (positionals[0] !== 'audit' || (values.file === undefined && values.namespace === undefined)) {
    console.error(usage);
    return 2;
  }
  let report: ReturnType<typeof audit>;
  try {
    if (values.file !== undefined) {
      report = audit(readManifests(values.file), {
        namespace: values.namespace ?? 'default',
        source: values.file === '-' ? 'manifests from stdin' : values.file,
        live: false,
      });
    } else {
      const config = kubeConfig({ kubeconfig: values.kubeconfig, context: values.context, inCluster: values['in-cluster'] });
      const objects = await readNamespace(config, values.namespace!);
      report = audit(objects, {
        namespace: values.namespace!,
        source: `cluster ${config.getCurrentCluster()?.server ?? 'in-cluster'}`,
        live: true,
      });
    }
  } catch (error) {
    console.error(`blogctl: ${(error as Error).message}`);
    return 2;
  }
  console.log(values.json ? JSON.stringify(report, null, 2) : formatReport(report, { verbose: values.verbose }));
  return report.summary.failed > 0 ? 1 : 0;
}
