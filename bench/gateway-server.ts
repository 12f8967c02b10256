// The local gateway (packages/local, the ingress's stand-in) as the bench runs it: TLS on
// GATEWAY_PORT in front of the replicas GATEWAY_UPSTREAMS names ({"user": [url], "blog": [url, url]}),
// with the certificate GATEWAY_CERT_FILE/GATEWAY_KEY_FILE and the replicas' CA GATEWAY_CA_FILE;
// no rate limit worth the name. Prints "listening" when ready.
import { readFileSync } from 'node:fs';
import { startGateway } from '../packages/local/src/gateway.ts';

const env = (name: string) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};
const upstreams = JSON.parse(env('GATEWAY_UPSTREAMS')) as Partial<Record<'user' | 'blog' | 'web', string[]>>;
const gateway = await startGateway({
  port: Number(env('GATEWAY_PORT')),
  host: '127.0.0.1',
  tls: { cert: readFileSync(env('GATEWAY_CERT_FILE')), key: readFileSync(env('GATEWAY_KEY_FILE')) },
  upstreamCa: readFileSync(env('GATEWAY_CA_FILE')),
  upstreams: (service) => upstreams[service] ?? [],
  bodyLimit: 256 * 1024,
  rateLimitPerMinute: 100_000_000,
  log: () => {},
});
console.log('listening');
process.on('SIGTERM', () => void gateway.close().then(() => process.exit(0)));
