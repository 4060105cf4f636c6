/**
 * A real OpenTelemetry SDK for tests: tracer provider with the in-memory span exporter, meter provider with a
 * reader we collect on demand, and an AsyncLocalStorage context manager so the active span follows `await`s
 * (what @opentelemetry/context-async-hooks does in apps; that package is not installed here).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { context, metrics, trace, ROOT_CONTEXT, type Context, type ContextManager } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
  type DataPoint,
} from '@opentelemetry/sdk-metrics';

class AsyncLocalStorageContextManager implements ContextManager {
  private readonly storage = new AsyncLocalStorage<Context>();
  active(): Context {
    return this.storage.getStore() ?? ROOT_CONTEXT;
  }
  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(
    ctx: Context,
    fn: F,
    thisArg?: ThisParameterType<F>,
    ...args: A
  ): ReturnType<F> {
    return this.storage.run(ctx, () => fn.call(thisArg, ...args));
  }
  bind<T>(ctx: Context, target: T): T {
    if (typeof target !== 'function') return target;
    const fn = target as (...args: unknown[]) => unknown;
    return ((...args: unknown[]) => this.with(ctx, () => fn(...args))) as T;
  }
  enable(): this {
    return this;
  }
  disable(): this {
    this.storage.disable();
    return this;
  }
}

/** Installs the global tracer and meter providers and the context manager; returns the span exporter and a counter reader. */
export function installOtel(): {
  spans: InMemorySpanExporter;
  counterPoints: (name: string) => Promise<DataPoint<number>[]>;
} {
  const spans = new InMemorySpanExporter();
  context.setGlobalContextManager(new AsyncLocalStorageContextManager());
  trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] }));
  const reader = new PeriodicExportingMetricReader({
    exporter: new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE),
    exportIntervalMillis: 3_600_000,
  });
  // Two copies of @opentelemetry/api meet here (shared's ^1.10 and the 1.9 the SDK packages were built with); they
  // share one global registry at runtime, only their Attributes types differ.
  metrics.setGlobalMeterProvider(
    new MeterProvider({ readers: [reader] }) as unknown as Parameters<typeof metrics.setGlobalMeterProvider>[0],
  );
  const counterPoints = async (name: string): Promise<DataPoint<number>[]> => {
    const { resourceMetrics } = await reader.collect();
    return resourceMetrics.scopeMetrics
      .flatMap((s) => s.metrics)
      .filter((m) => m.descriptor.name === name)
      .flatMap((m) => m.dataPoints as DataPoint<number>[]);
  };
  return { spans, counterPoints };
}
