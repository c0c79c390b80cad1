import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { OTLPLogExporter as OTLPHttpLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPExporterError } from '@opentelemetry/otlp-exporter-base';
import { describe, expect, it } from 'vitest';
import { classifyExportError } from '../src/classify-export-error';
import { Batches, exportBatch, onCleanup } from './helpers';

// A real HTTP endpoint answering every OTLP request with one status.
async function httpEndpoint(statusCode: number): Promise<string> {
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.statusCode = statusCode;
      res.end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  onCleanup(() => new Promise<void>((r) => server.close(() => r())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/logs`;
}

async function httpError(statusCode: number): Promise<unknown> {
  const exporter = new OTLPHttpLogExporter({
    url: await httpEndpoint(statusCode),
    timeoutMillis: 300,
  });
  onCleanup(() => exporter.shutdown());
  const r = await exportBatch(exporter, new Batches().next(1));
  expect(r.code).toBe(1);
  return r.error;
}

describe('classifyExportError', () => {
  it('should class gRPC status codes by the documented table', () => {
    const grpc = (code: number) =>
      classifyExportError(Object.assign(new Error(`${code}`), { code, details: '', metadata: {} }));
    expect([1, 2, 4, 8, 10, 11, 13, 14, 15].map(grpc)).toEqual(Array(9).fill('transient'));
    expect([5, 7, 12, 16].map(grpc)).toEqual(Array(4).fill('target'));
    expect([3, 6, 9].map(grpc)).toEqual(Array(3).fill('batch'));
  });

  it('should class HTTP statuses by the documented table', () => {
    const http = (code: number) => classifyExportError(new OTLPExporterError('x', code));
    expect([408, 429, 500, 502, 503, 504].map(http)).toEqual(Array(6).fill('transient'));
    expect([401, 403, 404, 405, 501].map(http)).toEqual(Array(5).fill('target'));
    expect([400, 422].map(http)).toEqual(Array(2).fill('batch'));
    expect(http(413)).toBe('too_large');
  });

  it('should class network errors, timeouts and unknown errors as transient', () => {
    expect(
      classifyExportError(
        Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
      ),
    ).toBe('transient');
    expect(classifyExportError(Object.assign(new Error('no space'), { code: 'ENOSPC' }))).toBe(
      'transient',
    );
    expect(classifyExportError(new Error('Request timed out'))).toBe('transient');
    expect(classifyExportError(undefined)).toBe('transient');
  });

  it('should class the errors the real OTLP/HTTP exporter returns', async () => {
    expect(classifyExportError(await httpError(400))).toBe('batch');
    expect(classifyExportError(await httpError(401))).toBe('target');
    // 503 is retried by the exporter itself until its timeout, then reported without a status.
    expect(classifyExportError(await httpError(503))).toBe('transient');
  });
});
