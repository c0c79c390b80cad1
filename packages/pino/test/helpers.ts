import {
  type Context,
  type ContextManager,
  context,
  ROOT_CONTEXT,
  type SpanContext,
  TraceFlags,
  trace,
} from '@opentelemetry/api';
import {
  InMemoryLogRecordExporter,
  LoggerProvider,
  type LogRecordProcessor,
  type ReadableLogRecord,
  type ReadWriteLogRecord,
} from '@opentelemetry/sdk-logs';
import {
  SamplingLogRecordProcessor,
  type SamplingLogRecordProcessorOptions,
} from '@spillway/sampling';
import pino, { type LoggerOptions } from 'pino';
import { SpillwayPinoBridge } from '../src/index';

/** A synchronous context manager (a stack): enough for `context.with` in a test, on both lines. */
export class StackContextManager implements ContextManager {
  private stack: Context[] = [];
  active(): Context {
    return this.stack[this.stack.length - 1] ?? ROOT_CONTEXT;
  }
  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(
    ctx: Context,
    fn: F,
    thisArg?: ThisParameterType<F>,
    ...args: A
  ): ReturnType<F> {
    this.stack.push(ctx);
    try {
      return fn.call(thisArg, ...args);
    } finally {
      this.stack.pop();
    }
  }
  bind<T>(_ctx: Context, target: T): T {
    return target;
  }
  enable(): this {
    return this;
  }
  disable(): this {
    this.stack = [];
    return this;
  }
}

/** Runs `fn` with a span context active. */
export function inSpan<T>(sc: SpanContext, fn: () => T): T {
  return context.with(trace.setSpanContext(ROOT_CONTEXT, sc), fn);
}

export const SPAN: SpanContext = {
  traceId: '0af7651916cd43dd8448eb211c80319c',
  spanId: 'b7ad6b7169203331',
  traceFlags: TraceFlags.SAMPLED,
};

/** A processor in front of another that counts what the SDK asks and hands it. */
export class CountingProcessor implements LogRecordProcessor {
  enabledCalls = 0;
  onEmitCalls = 0;
  constructor(private readonly inner: LogRecordProcessor) {}
  enabled(options: Parameters<NonNullable<LogRecordProcessor['enabled']>>[0]): boolean {
    this.enabledCalls++;
    return this.inner.enabled?.(options) ?? true;
  }
  onEmit(record: ReadWriteLogRecord, ctx?: Context): void {
    this.onEmitCalls++;
    this.inner.onEmit(record, ctx);
  }
  forceFlush(): Promise<void> {
    return this.inner.forceFlush();
  }
  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }
}

/** A destination that keeps what pino writes to it, as one string (pino takes any `write`). */
export class CapturingStream {
  text = '';
  write(line: string): void {
    this.text += line;
  }
}

// pino's options every test logger shares: a fixed time, so two loggers' lines compare equal.
const FIXED: LoggerOptions = { timestamp: () => ',"time":1700000000000', level: 'trace' };

/**
 * A real pino logger writing to a captured stream, bridged to a real LoggerProvider whose only
 * processor is the real SamplingLogRecordProcessor (behind a counter) exporting to memory.
 */
export function setup(
  sampling: Omit<SamplingLogRecordProcessorOptions, 'exporter'> = { ratios: allRatios(1) },
  pinoOptions: LoggerOptions = {},
) {
  const exporter = new InMemoryLogRecordExporter();
  const processor = new SamplingLogRecordProcessor({ ...sampling, exporter });
  const counting = new CountingProcessor(processor);
  const provider = new LoggerProvider({ processors: [counting] });
  const bridge = new SpillwayPinoBridge({ logger: provider.getLogger('pino-test') });
  const out = new CapturingStream();
  const logger = bridge.attach(pino({ ...FIXED, ...pinoOptions }, out));
  const records = async (): Promise<ReadableLogRecord[]> => {
    await provider.forceFlush();
    return exporter.getFinishedLogRecords();
  };
  return { exporter, processor, counting, provider, bridge, out, logger, records };
}

/** The same pino logger without the bridge, for comparing output. */
export function plainLogger(pinoOptions: LoggerOptions = {}) {
  const out = new CapturingStream();
  return { out, logger: pino({ ...FIXED, ...pinoOptions }, out) };
}

export function allRatios(r: number) {
  return { trace: r, debug: r, info: r, warn: r, error: r, fatal: r };
}
