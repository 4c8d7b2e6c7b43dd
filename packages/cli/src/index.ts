export type { BackendProbe, ProbeOptions } from './commands/probe-backends';
export { formatBackendTable, probeBackends } from './commands/probe-backends';
export { runCli } from './run-cli';
