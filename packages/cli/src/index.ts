export type { StatsSummary } from './commands/stats';
export { ExitCode } from './internal/exit-codes';
export { parseTimeArg } from './internal/time-arg';
export type { CommandModule } from './program';
export { buildProgram, COMMANDS, main } from './program';
