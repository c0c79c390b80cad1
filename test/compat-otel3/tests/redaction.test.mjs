// @spillway/redaction on the OTel 3.x line: RedactingLogRecordProcessor first in a 3.x
// LoggerProvider rewrites the record every later processor gets (3.x keeps attributes as a plain
// writable object and has setBody, as 2.x does), and its enabled() = false leaves the decision to
// the processors after it (3.x's Logger.emit asks them first).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LoggerProvider } from '@opentelemetry/sdk-logs';
import { RedactingLogRecordProcessor } from '@spillway/redaction';

const JWT =
  'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U';

function collector(enabled) {
  const records = [];
  return {
    records,
    onEmit: (r) => records.push(r),
    enabled: () => enabled,
    forceFlush: async () => {},
    shutdown: async () => {},
  };
}

test('later processors see the redacted record', () => {
  const redacting = new RedactingLogRecordProcessor({ maxValueChars: 40 });
  const later = collector(true);
  const logger = new LoggerProvider({ processors: [redacting, later] }).getLogger('compat');
  logger.emit({
    severityNumber: 9,
    body: { msg: `token ${JWT}`, card: '4111 1111 1111 1111' },
    attributes: { password: 'hunter2', nested: { api_key: 'k' }, long: 'x'.repeat(50) },
  });
  const [r] = later.records;
  assert.deepEqual(r.body, { msg: 'token [REDACTED]', card: '[REDACTED]' });
  assert.equal(r.attributes.password, '[REDACTED]');
  assert.deepEqual(r.attributes.nested, { api_key: '[REDACTED]' });
  assert.equal(r.attributes.long, `${'x'.repeat(40)}…[truncated 50 chars]`);
  assert.equal(redacting.getStats().applied['secret-keys'], 2);
});

test('a record every other processor refuses is never built', () => {
  const redacting = new RedactingLogRecordProcessor();
  const refusing = collector(false);
  const logger = new LoggerProvider({ processors: [redacting, refusing] }).getLogger('compat');
  assert.equal(logger.enabled({ severityNumber: 9 }), false);
  logger.emit({ severityNumber: 9, body: `token ${JWT}` });
  assert.equal(refusing.records.length, 0);
  assert.equal(redacting.getStats().records, 0);
});
