import { traceIds } from './tracing.ts';
import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';

/** Anything that may carry a secret is censored wherever it appears in a log line. */
export const redactedPaths = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  '*.password',
  '*.password_hash',
  '*.passwordHash',
  '*.access_token',
  '*.refresh_token',
  '*.token',
];

export function createLogger(service: string, level: string, destination?: DestinationStream): Logger {
  const options: LoggerOptions = {
    level,
    base: { service },
    // Every line written while a request is traced names its trace, so a trace leads to its logs.
    mixin: () => traceIds(),
    redact: { paths: redactedPaths, censor: '[redacted]' },
    timestamp: () => `,"time":"${new Date().toISOString()}"`,
    formatters: { level: (label: string) => ({ level: label }) },
    serializers: {
      // Query strings are kept out of logs: search terms and cursors are user data.
      req: (req: { method: string; routeOptions?: { url?: string }; url: string; id: string; ip?: string }) => ({
        id: req.id,
        method: req.method,
        route: req.routeOptions?.url,
        path: req.url.split('?')[0],
        ip: req.ip,
      }),
    },
  };
  return destination ? pino(options, destination) : pino(options);
}
