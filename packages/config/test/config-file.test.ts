import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MAX_CONFIG_FILE_BYTES, readSpillwayConfig } from '../src/index';

const dir = mkdtempSync(join(tmpdir(), 'spillway-config-file-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const noCgroup = { cgroupRoot: join(dir, 'no-cgroup-here') };
let n = 0;

/** Writes `text` to a new file and reads the configuration with it as OTEL_CONFIG_FILE. */
function withFile(text: string, env: Record<string, string> = {}, variable = 'OTEL_CONFIG_FILE') {
  const path = join(dir, `config-${n++}.yaml`);
  writeFileSync(path, text);
  return { path, ...readSpillwayConfig({ [variable]: path, ...env }, noCgroup) };
}

const SPILLWAY = `file_format: "1.0-rc.1"
resource:
  attributes:
    - name: service.name
      value: checkout
logger_provider:
  processors:
    - batch:
        exporter:
          console: {}
    - spillway:
        directory: /var/lib/checkout/spillway
        fsync: always
        max_disk_bytes: 2GiB
        failover: none
        sampling:
          ratios: { info: 0.01, debug: 0 }
          rate_limits: { warn: 500 }
          trace_silence_after: 20
          no_trace_context: keep
        max_queue_size: 4096
        schedule_delay: 250
        exporter:
          otlp_grpc:
            endpoint: http://collector:4317
            headers:
              - name: api-key
                value: secret
            headers_list: "api-key=overridden,tenant=a%20b"
            compression: gzip
            timeout: 5000
            certificate_file: /certs/ca.pem
            client_key_file: /certs/key.pem
            client_certificate_file: /certs/cert.pem
`;

describe('readSpillwayConfig with OTEL_CONFIG_FILE', () => {
  it('should read the spillway processor, its properties parsed as their variables are', () => {
    const { config, problems, warnings, entries, file, path } = withFile(SPILLWAY);
    expect(problems).toEqual([]);
    expect(warnings).toEqual([]);
    expect(file).toBe(path);
    expect(config).toMatchObject({
      serviceName: 'checkout',
      directory: '/var/lib/checkout/spillway',
      fsync: 'always',
      maxDiskBytes: 2 * 2 ** 30,
      failover: 'none',
      ratios: { fatal: 1, error: 1, warn: 0.1, info: 0.01, debug: 0, trace: 0.001 },
      rateLimits: { warn: 500 },
      traceSilenceAfter: 20,
      noTraceContext: 'keep',
      maxQueueSize: 4096,
      scheduledDelayMillis: 250,
      exportTimeoutMillis: 30_000,
    });
    expect(config.otlp).toEqual({
      endpoint: 'http://collector:4317',
      // `headers` wins over `headers_list` for a name both give.
      headers: { 'api-key': 'secret', tenant: 'a b' },
      compression: 'gzip',
      timeoutMillis: 5000,
      certificateFile: '/certs/ca.pem',
      clientKeyFile: '/certs/key.pem',
      clientCertificateFile: '/certs/cert.pem',
    });
    expect(entries.find((e) => e.variable === 'SPILLWAY_FSYNC')).toEqual({
      variable: 'SPILLWAY_FSYNC',
      value: 'always',
      source: 'file',
    });
    expect(entries.find((e) => e.variable === 'SPILLWAY_MIN_FREE_BYTES')?.source).toBe('default');
  });

  it('should accept the spec tls block in place of the flat certificate keys', () => {
    const { config, problems } = withFile(`logger_provider:
  processors:
    - spillway:
        exporter:
          otlp_grpc:
            tls: { ca_file: /ca.pem, key_file: /k.pem, cert_file: /c.pem, insecure: false }
`);
    expect(problems).toEqual([]);
    expect(config.otlp).toMatchObject({
      certificateFile: '/ca.pem',
      clientKeyFile: '/k.pem',
      clientCertificateFile: '/c.pem',
      insecure: false,
    });
  });

  it('should read OTEL_EXPERIMENTAL_CONFIG_FILE when OTEL_CONFIG_FILE is unset', () => {
    const { config, file, path } = withFile(SPILLWAY, {}, 'OTEL_EXPERIMENTAL_CONFIG_FILE');
    expect(file).toBe(path);
    expect(config.fsync).toBe('always');
  });

  describe('precedence', () => {
    it('should ignore SPILLWAY_* and OTEL_BLRP_* variables beside the file, naming those set', () => {
      const { config, warnings } = withFile(SPILLWAY, {
        SPILLWAY_FSYNC: 'never',
        SPILLWAY_MIN_FREE_BYTES: '1GiB',
        OTEL_BLRP_MAX_QUEUE_SIZE: '10',
        SPILLWAY_DIR: '',
      });
      expect(config.fsync).toBe('always');
      // Not in the file either: the default, not the ignored variable.
      expect(config.minFreeBytes).toBe(64 * 2 ** 20);
      expect(config.maxQueueSize).toBe(4096);
      expect(warnings).toEqual([
        `OTEL_CONFIG_FILE is set, so SPILLWAY_FSYNC, SPILLWAY_MIN_FREE_BYTES, OTEL_BLRP_MAX_QUEUE_SIZE are ignored (the configuration file replaces the environment); move them into the spillway processor's properties.`,
      ]);
    });

    it('should read the environment without a file', () => {
      const { config, file } = readSpillwayConfig({ SPILLWAY_FSYNC: 'never' }, noCgroup);
      expect(config.fsync).toBe('never');
      expect(file).toBeUndefined();
    });

    it('should let a service name given in code name the directory over the file and env', () => {
      const path = join(dir, `config-${n++}.yaml`);
      writeFileSync(path, SPILLWAY.replace('        directory: /var/lib/checkout/spillway\n', ''));
      const { config } = readSpillwayConfig(
        { OTEL_CONFIG_FILE: path, OTEL_SERVICE_NAME: 'env-name' },
        { ...noCgroup, serviceName: 'code-name' },
      );
      expect(config.serviceName).toBe('code-name');
      expect(config.directory).toBe(join(tmpdir(), 'spillway', 'code-name'));
      const fileNamed = readSpillwayConfig(
        { OTEL_CONFIG_FILE: path, OTEL_SERVICE_NAME: 'env-name' },
        noCgroup,
      );
      expect(fileNamed.problems).toEqual([]);
      expect(fileNamed.config.directory).toBe(join(tmpdir(), 'spillway', 'checkout'));
    });

    it('should take the service name from the environment when the file names none', () => {
      const { config } = withFile('logger_provider:\n  processors:\n    - spillway:\n', {
        OTEL_SERVICE_NAME: 'cart',
      });
      expect(config.serviceName).toBe('cart');
      expect(config.directory).toBe(join(tmpdir(), 'spillway', 'cart'));
    });
  });

  describe('substitution', () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a substitution reference, on purpose
    it('should substitute ${VAR}, ${env:VAR}, ${VAR:-default} and unescape $$', () => {
      const { config, problems } = withFile(
        `logger_provider:
  processors:
    - spillway:
        directory: \${DATA}/spillway
        fsync: \${env:FSYNC}
        max_disk_bytes: \${DISK:-512MiB}
        exporter:
          otlp_grpc:
            headers:
              - { name: literal, value: "$\${NOT_A_VAR}" }
              - { name: price, value: "5$" }
`,
        { DATA: '/srv/data', FSYNC: 'interval:1s' },
      );
      expect(problems).toEqual([]);
      expect(config.directory).toBe('/srv/data/spillway');
      expect(config.fsync).toEqual({ intervalMillis: 1000 });
      expect(config.maxDiskBytes).toBe(512 * 2 ** 20);
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a substitution reference, on purpose
      expect(config.otlp?.headers).toEqual({ literal: '${NOT_A_VAR}', price: '5$' });
    });

    it('should replace an unset variable without a default by an empty value, per spec', () => {
      // Empty means "not given": the default applies, without a warning.
      const { config, problems } = withFile(
        // biome-ignore lint/suspicious/noTemplateCurlyInString: a substitution reference, on purpose
        'logger_provider:\n  processors:\n    - spillway:\n        fsync: ${UNSET_SPILLWAY_TEST}\n',
      );
      expect(problems).toEqual([]);
      expect(config.fsync).toEqual({ intervalMillis: 200 });
    });

    it('should not substitute a value that itself looks like a reference', () => {
      const { config } = withFile(
        // biome-ignore lint/suspicious/noTemplateCurlyInString: a substitution reference, on purpose
        'logger_provider:\n  processors:\n    - spillway:\n        fsync: ${A}\n',
        // biome-ignore lint/suspicious/noTemplateCurlyInString: a substitution reference, on purpose
        { A: '${B}', B: 'never' },
      );
      expect(config.fsync).toEqual({ intervalMillis: 200 });
    });
  });

  describe('values not accepted', () => {
    it('should warn about a bad property with the same words as its variable', () => {
      const fromFile = withFile(
        'logger_provider:\n  processors:\n    - spillway:\n        fsync: sometimes\n',
      );
      const fromEnv = readSpillwayConfig({ SPILLWAY_FSYNC: 'sometimes' }, noCgroup);
      expect(fromFile.problems.map((p) => p.message)).toEqual([
        'spillway.fsync="sometimes" is not valid: expected always, never or interval:<milliseconds> (e.g. interval:200, interval:1s); using the default interval:200.',
      ]);
      expect(fromEnv.problems.map((p) => p.message)).toEqual([
        'SPILLWAY_FSYNC="sometimes" is not valid: expected always, never or interval:<milliseconds> (e.g. interval:200, interval:1s); using the default interval:200.',
      ]);
      expect(fromFile.config.fsync).toEqual({ intervalMillis: 200 });
    });

    it('should warn about unknown properties and a bad exporter block', () => {
      const { warnings, problems, config } = withFile(`logger_provider:
  processors:
    - spillway:
        fsnyc: always
        sampling: { ratio: 1 }
        exporter: { otlp_http: { endpoint: x } }
`);
      expect(warnings).toHaveLength(2);
      expect(warnings[0]).toMatch(
        /^spillway\.fsnyc: unknown property, ignored \(known: directory, /,
      );
      expect(warnings[1]).toMatch(/^spillway\.sampling\.ratio: unknown property/);
      expect(problems.map((p) => p.variable)).toEqual(['spillway.exporter']);
      expect(config.otlp).toBeUndefined();
    });

    it('should warn when the file lists no spillway processor, and use the defaults', () => {
      const { warnings, config } = withFile('logger_provider:\n  processors:\n    - batch: {}\n', {
        SPILLWAY_FSYNC: 'never',
      });
      expect(warnings).toHaveLength(2);
      expect(warnings[1]).toMatch(
        /lists no "spillway" processor under logger_provider\.processors/,
      );
      expect(config.fsync).toEqual({ intervalMillis: 200 });
    });
  });

  describe('files that cannot be used', () => {
    const fileProblem = (report: ReturnType<typeof readSpillwayConfig>) => {
      expect(report.problems).toHaveLength(1);
      expect(report.problems[0]!.variable).toBe('OTEL_CONFIG_FILE');
      return report.problems[0]!.message;
    };

    it('should name a missing file and read the environment instead', () => {
      const path = join(dir, 'missing.yaml');
      const report = readSpillwayConfig(
        { OTEL_CONFIG_FILE: path, SPILLWAY_FSYNC: 'never' },
        noCgroup,
      );
      expect(fileProblem(report)).toBe(
        `OTEL_CONFIG_FILE=${JSON.stringify(path)} is not valid: expected a readable declarative configuration file (YAML), but ${path} cannot be read (ENOENT: no such file or directory, stat '${path}'); using the default the environment (SPILLWAY_*).`,
      );
      expect(report.config.fsync).toBe('never');
    });

    it.each([
      ['invalid YAML', 'logger_provider: [unclosed', /is not valid YAML \(/],
      ['a list at the top', '- spillway', /expected a mapping at the top level/],
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a substitution reference, on purpose
      ['a bad reference', 'a: ${NOT-A-NAME}', /invalid substitution "\$\{NOT-A-NAME\}"/],
      ['an unclosed reference', 'a: "${OPEN"', /invalid substitution "\$\{OPEN"/],
      [
        'deep nesting',
        `a: ${'['.repeat(100)}${']'.repeat(100)}`,
        /nested deeper than 64 levels|not valid YAML/,
      ],
      ['an alias bomb', bomb(), /not valid YAML|Excessive alias count/],
    ])('should refuse %s with a clear error', (_, text, error) => {
      expect(fileProblem(withFile(text))).toMatch(error);
    });

    it('should refuse a directory and a file over the size bound', () => {
      expect(fileProblem(readSpillwayConfig({ OTEL_CONFIG_FILE: dir }, noCgroup))).toContain(
        `${dir} is not a file`,
      );
      const huge = `# ${'x'.repeat(MAX_CONFIG_FILE_BYTES)}\n`;
      const started = Date.now();
      expect(fileProblem(withFile(huge))).toMatch(
        new RegExp(`is ${huge.length} bytes, more than the ${MAX_CONFIG_FILE_BYTES} accepted`),
      );
      // Refused from its size alone, before reading: far below reading a mebibyte on a busy machine.
      expect(Date.now() - started).toBeLessThan(2000);
    });
  });
});

/** Ten levels of aliases, each doubling: a billion nodes if expanded. */
function bomb(): string {
  const lines = ['a0: &a0 [x, x]'];
  for (let i = 1; i < 30; i++) lines.push(`a${i}: &a${i} [*a${i - 1}, *a${i - 1}]`);
  return lines.join('\n');
}
