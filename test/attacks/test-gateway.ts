// The local gateway in front of a test platform's services, on a port of its own, with a
// certificate from the platform's CA: what the transport attacks try besides the services' ports.
import type { FastifyInstance } from 'fastify';
import { issueLeaf } from '@blog/devstack';
import type { SlowClientTimeouts } from '@blog/platform';
import type { TestPlatform } from '@blog/test-support';
import type { PerAddressLimits } from '../../packages/local/src/config.ts';
import { startGateway } from '../../packages/local/src/gateway.ts';

export interface TestGateway {
  app: FastifyInstance;
  port: number;
  tls: { cert: Buffer; key: Buffer };
}

export async function startTestGateway(
  platform: TestPlatform,
  options: { timeouts?: SlowClientTimeouts; perAddress?: PerAddressLimits; rateLimitPerMinute?: number } = {},
): Promise<TestGateway> {
  const leaf = await issueLeaf(platform.ca, { commonName: 'gateway', dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] });
  const tls = { cert: Buffer.from(leaf.certPem), key: Buffer.from(leaf.keyPem) };
  const app = await startGateway({
    port: 0,
    host: '127.0.0.1',
    tls,
    upstreamCa: Buffer.from(platform.ca.trustPem),
    upstreams: (service) => [service === 'user' ? platform.urls.userPublic : platform.urls.blogPublic],
    bodyLimit: 256 * 1024,
    rateLimitPerMinute: options.rateLimitPerMinute ?? 1000,
    log: () => {},
    ...(options.timeouts ? { timeouts: options.timeouts } : {}),
    ...(options.perAddress ? { perAddress: options.perAddress } : {}),
  });
  return { app, port: (app.server.address() as { port: number }).port, tls };
}

/** The ports a client outside reaches first: the gateway's and both services' public ones, by name. */
export function publicPorts(platform: TestPlatform, gateway: TestGateway): Record<string, number> {
  return {
    gateway: gateway.port,
    'user public': Number(new URL(platform.urls.userPublic).port),
    'blog public': Number(new URL(platform.urls.blogPublic).port),
  };
}
