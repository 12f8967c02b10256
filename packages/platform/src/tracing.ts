import { context, propagation, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import type { App } from './server.ts';

const tracer = () => trace.getTracer('blog-platform');

/** Whether this process exports traces; without it the per-request instrumentation is not installed at all. */
let tracingStarted = false;

export interface TracingSettings {
  serviceName: string;
  /** OTLP/HTTP base URL (e.g. http://jaeger-collector:4318); none: tracing off, at no cost. */
  endpoint: string | undefined;
  /** Fraction of new traces sampled; a sampled parent always wins. */
  sampleRatio: number;
}

/**
 * Starts the process-wide tracer: W3C trace context, OTLP/HTTP export in batches, Prisma query
 * spans. Returns the shutdown that flushes what is buffered, or undefined when tracing is off;
 * the SDK is loaded only then (it costs a process a few MiB of heap it would not use).
 */
export async function startTracing(settings: TracingSettings): Promise<(() => Promise<void>) | undefined> {
  if (!settings.endpoint) return undefined;
  const {
    BatchSpanProcessor,
    NodeTracerProvider,
    OTLPTraceExporter,
    ParentBasedSampler,
    PrismaInstrumentation,
    resourceFromAttributes,
    TraceIdRatioBasedSampler,
  } = await import('./tracing-sdk.ts');
  tracingStarted = true;
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': settings.serviceName }),
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(settings.sampleRatio) }),
    spanProcessors: [
      new BatchSpanProcessor(new OTLPTraceExporter({ url: `${settings.endpoint.replace(/\/$/, '')}/v1/traces` }), {
        scheduledDelayMillis: 500,
      }),
    ],
  });
  provider.register();
  const prisma = new PrismaInstrumentation();
  prisma.setTracerProvider(provider);
  prisma.enable();
  return () => provider.shutdown();
}

/** A server span per request (continuing the caller's trace), the route pattern as its name; nothing when tracing is off. */
export async function traceRequests(app: App): Promise<void> {
  if (!tracingStarted) return;
  const { FastifyOtelInstrumentation } = await import('./tracing-sdk.ts');
  const instrumentation = new FastifyOtelInstrumentation({
    registerOnInitialization: false,
    ignorePaths: (route: { url: string }) => route.url === '/healthz' || route.url === '/readyz',
  });
  await app.register(instrumentation.plugin());
}

/** Runs an outgoing call in a client span and passes the trace on in `headers` (traceparent). */
export async function withClientSpan<T>(name: string, headers: Record<string, string>, call: (span: Span) => Promise<T>): Promise<T> {
  return tracer().startActiveSpan(name, { kind: SpanKind.CLIENT }, async (span) => {
    propagation.inject(context.active(), headers);
    try {
      return await call(span);
    } catch (error) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
      throw error;
    } finally {
      span.end();
    }
  });
}

/** The trace and span ids of the active span, for log lines. */
export function traceIds(): { trace_id: string; span_id: string } | Record<string, never> {
  const span = trace.getActiveSpan();
  if (!span) return {};
  const { traceId, spanId } = span.spanContext();
  return { trace_id: traceId, span_id: spanId };
}
