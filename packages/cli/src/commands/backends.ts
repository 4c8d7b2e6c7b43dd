import type { Command } from '../internal/command';
import { formatBackendTable, probeBackends } from './probe-backends';

/** `netlens backends`: what works here, and why the rest does not. */
export const backendsCommand: Command = {
  name: 'backends',
  summary: 'list every backend, whether it works here, and why not',
  help: `netlens backends — every tfjs backend netlens knows, whether it works here, and why not

Usage: netlens backends [--timing] [--json]

  --timing    also time one conv-net input gradient per working backend
  --json      print JSON instead of a table
  -h, --help  this help

Examples:
  netlens backends
  netlens backends --timing --json`,
  options: {
    timing: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
  async run(values, _positionals, io) {
    const rows = await probeBackends({ timing: Boolean(values.timing) });
    io.stdout(values.json ? `${JSON.stringify(rows, null, 2)}\n` : `${formatBackendTable(rows)}\n`);
    return rows.some((row) => row.works) ? 0 : 1;
  },
};
