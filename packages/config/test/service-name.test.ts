import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { sanitizeServiceName } from '@spillway/record-format';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { defaultDataDirectory, readSpillwayConfig, serviceNameFromEnv } from '../src/index';

const ROOT = join(tmpdir(), 'spillway');

describe('defaultDataDirectory', () => {
  it.each([
    ['checkout', 'checkout'],
    ['check out', 'check_out'],
    ['a//b', 'a__b'],
    ['..', 'unknown_service'],
    ['.', 'unknown_service'],
    ['', 'unknown_service'],
    ['../../etc', '.._.._etc'],
    ['unknown_service:node', 'unknown_service_node'],
    ['é', '_'],
  ])('should make %j the one segment %j under <tmpdir>/spillway', (name, segment) => {
    expect(defaultDataDirectory(name)).toBe(join(ROOT, segment));
  });

  it('should give every name one segment directly under <tmpdir>/spillway', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (name) => {
        const directory = defaultDataDirectory(name);
        expect(dirname(directory)).toBe(ROOT);
        expect(directory.length - ROOT.length - 1).toBeLessThanOrEqual(128);
        // The file exporter names its files with the same sanitizer.
        expect(directory).toBe(join(ROOT, sanitizeServiceName(name)));
      }),
      { numRuns: 500 },
    );
  });

  it('should not make OTEL_SERVICE_NAME=.. the temp directory itself', () => {
    const { config } = readSpillwayConfig({ OTEL_SERVICE_NAME: '..' });
    expect(config.serviceName).toBe('..');
    expect(config.directory).toBe(join(ROOT, 'unknown_service'));
  });
});

describe('serviceNameFromEnv', () => {
  it.each([
    [{ OTEL_SERVICE_NAME: ' shop ' }, 'shop'],
    [{ OTEL_RESOURCE_ATTRIBUTES: 'a=b,service.name=cart%20v2' }, 'cart v2'],
    [{ OTEL_SERVICE_NAME: 'shop', OTEL_RESOURCE_ATTRIBUTES: 'service.name=cart' }, 'shop'],
    [{ OTEL_RESOURCE_ATTRIBUTES: 'service.name=%E0%A4%A' }, 'unknown_service:node'],
    [{}, 'unknown_service:node'],
  ])('should read %j as %j', (env, name) => {
    expect(serviceNameFromEnv(env)).toBe(name);
  });
});
