/** Exit codes of every spillway command. */
export const ExitCode = {
  /** Done, nothing wrong. */
  OK: 0,
  /** The command failed: unreadable input, or `verify` found a problem. */
  FAILED: 1,
  /** Bad usage: unknown option, invalid argument. */
  USAGE: 2,
  /** Done, but damaged parts were skipped (torn or corrupt frames); stderr names them. */
  PARTIAL: 3,
} as const;
