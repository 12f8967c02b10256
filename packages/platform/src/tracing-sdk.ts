// The OpenTelemetry SDK, in a module of its own that tracing.ts imports only when traces are
// exported. Static imports here, not dynamic ones of each package: a bundle gives a dynamically
// imported CommonJS package only a default export, and these packages are CommonJS.
export { FastifyOtelInstrumentation } from '@fastify/otel';
export { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
export { resourceFromAttributes } from '@opentelemetry/resources';
export { BatchSpanProcessor, ParentBasedSampler, TraceIdRatioBasedSampler } from '@opentelemetry/sdk-trace-base';
export { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
export { PrismaInstrumentation } from '@prisma/instrumentation';
