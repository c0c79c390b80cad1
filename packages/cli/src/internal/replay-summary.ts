/** What `spillway replay` did, as its summary (and `--json`) reports it. */
export interface ReplaySummary {
  endpoint: string;
  protocol: string;
  files: number;
  /** Records the collector acknowledged in this run. */
  sent: number;
  /** Records the checkpoint said were acknowledged by earlier runs (not sent again). */
  alreadySent: number;
  /** The batch the collector (or the transport) refused; replay stops there. */
  rejected: { records: number; reason: string | null };
  /** Damaged parts of the files, skipped and named on stderr, with the records lost in them. */
  skippedDamage: { problems: number; records: number; recordsUnknown: boolean };
  /** Stopped by SIGINT after the batch in flight. */
  interrupted: boolean;
  seconds: number;
}

/** Prints the summary on stdout: one JSON document, or a few lines for people. */
export function printReplaySummary(s: ReplaySummary, json: boolean): void {
  const rate = s.seconds > 0 ? Math.round(s.sent / s.seconds) : 0;
  if (json) {
    process.stdout.write(`${JSON.stringify({ ...s, recordsPerSecond: rate })}\n`);
    return;
  }
  const lines = [
    `sent ${s.sent} records from ${s.files} file${s.files === 1 ? '' : 's'} to ${s.endpoint} (${s.protocol}) in ${s.seconds.toFixed(1)} s (${rate} records/s)${s.alreadySent > 0 ? `; ${s.alreadySent} sent before (checkpoint)` : ''}`,
    s.rejected.records > 0
      ? `rejected ${s.rejected.records} records: ${s.rejected.reason}; stopped there (re-run with the same --checkpoint to resume)`
      : 'rejected 0 records',
    `skipped damage: ${s.skippedDamage.problems} damaged part${s.skippedDamage.problems === 1 ? '' : 's'}, ${s.skippedDamage.recordsUnknown ? 'at least ' : ''}${s.skippedDamage.records} records lost`,
  ];
  if (s.interrupted) lines.push('interrupted (SIGINT) after the batch in flight');
  process.stdout.write(`${lines.join('\n')}\n`);
}
