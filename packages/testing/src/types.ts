/** A log record as the test receiver decoded it from an OTLP/gRPC request. */
export interface ReceivedLogRecord {
  /** Resource attributes. */
  resource: Record<string, unknown>;
  resourceDroppedAttributesCount: number;
  resourceSchemaUrl: string;
  scope: {
    name: string;
    version: string;
    attributes: Record<string, unknown>;
    droppedAttributesCount: number;
    schemaUrl: string;
  };
  /** Nanoseconds since the epoch. */
  timeUnixNano: bigint;
  observedTimeUnixNano: bigint;
  severityNumber: number;
  severityText: string;
  /** The body as a JS value: string, number, boolean, Uint8Array, array, object, or null. */
  body: unknown;
  attributes: Record<string, unknown>;
  droppedAttributesCount: number;
  flags: number;
  /** Lowercase hex, '' when absent. */
  traceId: string;
  /** Lowercase hex, '' when absent. */
  spanId: string;
  eventName: string;
}
