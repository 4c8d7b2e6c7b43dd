import { parseArgs } from 'node:util';
import { formatBackendTable, probeBackends } from './commands/probe-backends';

const USAGE = `netlens — see inside neural networks

Usage:
  netlens backends [--timing] [--json]   list every backend, whether it works here, and why not

Options:
  --timing   also time one conv-net input gradient per working backend
  --json     print JSON instead of a table
  --help     show this help`;

/**
 * Runs the command line with `argv` (without `node` and the script) and returns the exit code.
 * @param argv - the arguments, e.g. `['backends', '--timing']`.
 * @param write - where output goes. Default: stdout.
 */
export async function runCli(
  argv: readonly string[],
  write: (text: string) => void = (text) => process.stdout.write(text),
): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      timing: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const [command] = positionals;
  if (values.help || command === undefined) {
    write(`${USAGE}\n`);
    return command === undefined && !values.help ? 1 : 0;
  }
  if (command === 'backends') {
    const rows = await probeBackends({ timing: values.timing });
    write(values.json ? `${JSON.stringify(rows, null, 2)}\n` : `${formatBackendTable(rows)}\n`);
    return rows.some((row) => row.works) ? 0 : 1;
  }
  write(`Unknown command '${command}'.\n\n${USAGE}\n`);
  return 1;
}
