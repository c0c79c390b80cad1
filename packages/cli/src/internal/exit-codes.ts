/** Exit codes of every spillway command. */
export const ExitCode = {
  /** Done, nothing wrong; for `cat -f` and `tail -f`: ended by SIGINT or SIGTERM. */
  OK: 0,
  /** The command failed: unreadable input, or `verify`/`doctor` found a problem. */
  FAILED: 1,
  /** Bad usage: unknown option, invalid argument, `--since` after `--until`. */
  USAGE: 2,
  /** Done, but damaged parts were skipped (torn or corrupt frames); stderr names them. */
  PARTIAL: 3,
  /** The path holds no `.zst` file (an empty folder, or a SPILLWAY_DIR instead of its `files/`). */
  NO_FILES: 4,
} as const;

/** The exit codes of the commands that read files (`cat`, `stats`), as their `--help` shows them. */
export const EXIT_CODES_HELP =
  'Exit codes: 0 done, 1 unreadable input, 2 bad usage, 3 done but damaged frames were skipped (named on stderr), 4 no .zst file at the path (stderr says what is there).\n';

/** How `cat -f` and `tail -f` end, as their `--help` shows it. */
export const FOLLOW_EXIT_HELP =
  'With -f: SIGINT (Ctrl-C) or SIGTERM ends it after the current frame with exit 0, or 3 when damaged frames were skipped meanwhile.\n';
