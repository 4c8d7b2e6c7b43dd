export type { BackendProbe, ProbeOptions } from './commands/probe-backends';
export { formatBackendTable, probeBackends } from './commands/probe-backends';
export { EXIT_CODES } from './internal/cli-error';
export type { CliIo } from './internal/io';
export { runCli } from './run-cli';
