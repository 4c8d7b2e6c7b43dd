import type { ParseArgsConfig } from 'node:util';
import type { CliIo } from './io';

/** Parsed option values of one command. */
export type OptionValues = Record<string, string | boolean | (string | boolean)[] | undefined>;

/** One `netlens <name>` command. */
export interface Command {
  name: string;
  /** One line for the command list. */
  summary: string;
  /** The full `--help` text, with examples. */
  help: string;
  options: NonNullable<ParseArgsConfig['options']>;
  /** Runs the command; resolves to the exit code. Throws `CliError` for usage and input errors. */
  run(values: OptionValues, positionals: readonly string[], io: CliIo): Promise<number>;
}

/** Options every algorithm command shares. */
export const COMMON_OPTIONS = {
  backend: { type: 'string' },
  seed: { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const satisfies NonNullable<ParseArgsConfig['options']>;

/** Help lines for {@link COMMON_OPTIONS}. */
export const COMMON_HELP = `  --backend <name>   auto (default), cpu, wasm, webgpu, webgl, node-webgpu, node, node-gpu
  --seed <n>         seed for noise, random starts and targets (default 1)
  --json             print a JSON result on stdout instead of the table
  -h, --help         this help`;
