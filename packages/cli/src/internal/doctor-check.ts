/**
 * One line of `spillway doctor`: a `problem` makes it exit 1; a `warning` is worth acting on but
 * not wrong (spillway copes, e.g. by failing over); `info` is a fact.
 */
export interface Check {
  level: 'ok' | 'problem' | 'warning' | 'info';
  text: string;
}

/** The mark printed before a check. */
export const MARK: Record<Check['level'], string> = {
  ok: '✓',
  problem: '✗',
  warning: '!',
  info: '·',
};
