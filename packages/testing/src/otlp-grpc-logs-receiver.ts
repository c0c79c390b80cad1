import { EventEmitter } from 'node:events';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { countLogRecords } from './internal/count-log-records';
import { decodeRequest, type RawExportRequest } from './internal/decode-request';
import type { ReceivedLogRecord } from './types';

const here = typeof __dirname === 'string' ? __dirname : dirname(fileURLToPath(import.meta.url));
const PROTO = join(here, '..', 'proto', 'logs_service.proto');
const SERVICE = 'opentelemetry.proto.collector.logs.v1.LogsService';

let serviceDefinition: grpc.ServiceDefinition | undefined;
function loadService(): grpc.ServiceDefinition {
  if (serviceDefinition === undefined) {
    const pkg = protoLoader.loadSync(PROTO, {
      keepCase: false,
      longs: String,
      enums: Number,
      bytes: Buffer,
      defaults: false,
      oneofs: false,
    });
    serviceDefinition = pkg[SERVICE] as grpc.ServiceDefinition;
  }
  return serviceDefinition;
}

/** Options of {@link OtlpGrpcLogsReceiver}. */
/**
 * Decodes the bytes of one `ExportLogsServiceRequest` as the receiver does (proto-loader: camelCase
 * fields, 64-bit integers as decimal strings, bytes as Buffers, fields at their default left out):
 * for tests that compare two encoders' bytes by what a collector reads from them.
 */
export function decodeExportLogsServiceRequest(bytes: Uint8Array): RawExportRequest {
  const method = loadService().Export as grpc.MethodDefinition<RawExportRequest, unknown>;
  return method.requestDeserialize(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
}

export interface OtlpGrpcLogsReceiverOptions {
  /** Port to listen on; 0 (default) picks a free one, kept across restarts. */
  port?: number;
  /** Address to bind; only loopback addresses are used in tests. Default `127.0.0.1`. */
  host?: string;
  /**
   * Largest request accepted, bytes (grpc-js `grpc.max_receive_message_length`); a larger one is
   * refused with RESOURCE_EXHAUSTED, as a collector refuses it. Default grpc-js's 4 MiB.
   */
  maxReceiveMessageLength?: number;
  /**
   * Count the records of each request without decoding them (`records` stays empty;
   * {@link OtlpGrpcLogsReceiver.recordCount} counts): for a benchmark whose receiver must keep up
   * as a collector would, not decode 20,000 records a second into objects. Default false.
   */
  countOnly?: boolean;
}

/** What a count-only receiver's deserializer makes of a request. */
interface CountedRequest {
  counted: number;
}

interface Fault {
  remaining: number;
  code: grpc.status;
  details: string;
}

/**
 * A real OTLP/gRPC logs server on loopback for tests: it serves
 * `opentelemetry.proto.collector.logs.v1.LogsService/Export`, decodes every request into plain
 * {@link ReceivedLogRecord}s and keeps them for assertions.
 *
 * Fault injection: {@link failNext} answers the next N calls with a gRPC status, {@link latencyMs}
 * delays every answer, {@link stop}/{@link start} take it down and bring it back on the same port.
 * Synchronise with {@link waitFor}, which re-checks its predicate on every request (no sleeps).
 */
export class OtlpGrpcLogsReceiver {
  /** Every record received by a successful call, in arrival order (none when `countOnly`). */
  readonly records: ReceivedLogRecord[] = [];
  /** Export calls received, failed ones included. */
  requestCount = 0;
  /** Export calls answered with an injected error. */
  rejectedCount = 0;
  /** Serialized request bytes received, failed calls included. */
  bytesReceived = 0;
  /** Delay before each answer, in milliseconds. */
  latencyMs = 0;

  private server: grpc.Server | undefined;
  private boundPort: number;
  private readonly host: string;
  private readonly serverOptions: grpc.ServerOptions;
  private readonly faults: Fault[] = [];
  private readonly events = new EventEmitter();
  private readonly countOnly: boolean;
  private counted = 0;

  constructor(options: OtlpGrpcLogsReceiverOptions = {}) {
    this.boundPort = options.port ?? 0;
    this.host = options.host ?? '127.0.0.1';
    this.serverOptions =
      options.maxReceiveMessageLength === undefined
        ? {}
        : { 'grpc.max_receive_message_length': options.maxReceiveMessageLength };
    this.countOnly = options.countOnly ?? false;
    this.events.setMaxListeners(0);
  }

  /** Records received by successful calls: `records.length`, or a `countOnly` receiver's count. */
  get recordCount(): number {
    return this.records.length + this.counted;
  }

  /** The bound port (after {@link start}). */
  get port(): number {
    return this.boundPort;
  }

  /** `http://host:port`, the form `OTLPLogExporter({ url })` takes. */
  get url(): string {
    return `http://${this.host}:${this.boundPort}`;
  }

  /** True between {@link start} and {@link stop}. */
  get running(): boolean {
    return this.server !== undefined;
  }

  /** Binds and serves. Resolves once the port accepts connections. */
  async start(): Promise<this> {
    if (this.server) return this;
    const server = new grpc.Server(this.serverOptions);
    const def = loadService();
    const exportDef = def.Export as grpc.MethodDefinition<RawExportRequest, unknown>;
    // Count bytes as they arrive, before decoding.
    const counted: grpc.ServiceDefinition = {
      Export: {
        ...exportDef,
        requestDeserialize: (buf: Buffer) => {
          this.bytesReceived += buf.length;
          if (this.countOnly) return { counted: countLogRecords(buf) } as CountedRequest;
          return exportDef.requestDeserialize(buf);
        },
      },
    };
    server.addService(counted, { Export: this.handleExport });
    this.boundPort = await new Promise<number>((resolve, reject) => {
      server.bindAsync(
        `${this.host}:${this.boundPort}`,
        grpc.ServerCredentials.createInsecure(),
        (err, port) => (err ? reject(err) : resolve(port)),
      );
    });
    this.server = server;
    return this;
  }

  /** Stops at once, cancelling calls in flight (their clients see UNAVAILABLE/CANCELLED). */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) server.forceShutdown();
  }

  /** Stops and starts again on the same port. */
  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  /** Answers the next `count` calls with `code` (e.g. `grpc.status.UNAVAILABLE`). */
  failNext(count: number, code: grpc.status, details = `injected ${grpc.status[code]}`): void {
    this.faults.push({ remaining: count, code, details });
  }

  /** Forgets received records and counters (not faults or latency). */
  clear(): void {
    this.records.length = 0;
    this.counted = 0;
    this.requestCount = 0;
    this.rejectedCount = 0;
    this.bytesReceived = 0;
  }

  /**
   * Resolves when `predicate` holds: checked now and after every request. Rejects after
   * `timeoutMs` with a message naming `what`.
   */
  waitFor(predicate: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
    if (predicate()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (predicate()) {
          cleanup();
          resolve();
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(
          new Error(
            `receiver: ${what} not met within ${timeoutMs} ms (${this.recordCount} records, ${this.requestCount} requests)`,
          ),
        );
      }, timeoutMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        this.events.off('request', check);
      };
      this.events.on('request', check);
    });
  }

  /** Resolves once at least `count` records were received. */
  waitForRecords(count: number, timeoutMs = 10_000): Promise<void> {
    return this.waitFor(() => this.recordCount >= count, timeoutMs, `${count} records`);
  }

  private readonly handleExport = (
    call: grpc.ServerUnaryCall<RawExportRequest | CountedRequest, unknown>,
    callback: grpc.sendUnaryData<unknown>,
  ): void => {
    this.requestCount++;
    const fault = this.faults[0];
    let error: Partial<grpc.StatusObject> | undefined;
    if (fault) {
      fault.remaining--;
      if (fault.remaining <= 0) this.faults.shift();
      this.rejectedCount++;
      error = { code: fault.code, details: fault.details };
    } else if (this.countOnly) {
      this.counted += (call.request as CountedRequest).counted;
    } else {
      for (const r of decodeRequest(call.request as RawExportRequest)) this.records.push(r);
    }
    const answer = (): void => {
      if (error) callback(error as grpc.ServiceError, null);
      else callback(null, {});
      this.events.emit('request');
    };
    if (this.latencyMs > 0) setTimeout(answer, this.latencyMs);
    else answer();
  };
}
