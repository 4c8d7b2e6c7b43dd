import { parseArgs } from 'node:util';
import { InvalidArgumentError } from '@netlens/backends';
import { attackEvalCommand } from './commands/attack-eval';
import { backendsCommand } from './commands/backends';
import { captionCommand } from './commands/caption';
import { classvizCommand } from './commands/classviz';
import { demoCommand } from './commands/demo';
import { foolCommand } from './commands/fool';
import { saliencyCommand } from './commands/saliency';
import { CliError, EXIT_CODES } from './internal/cli-error';
import type { Command } from './internal/command';
import { type CliIo, processIo } from './internal/io';
import { checkOutputFolder, OUTPUT_ROOT } from './internal/output';

const COMMANDS: readonly Command[] = [
  demoCommand,
  saliencyCommand,
  foolCommand,
  attackEvalCommand,
  classvizCommand,
  captionCommand,
  backendsCommand,
];

function usage(): string {
  const width = Math.max(...COMMANDS.map((command) => command.name.length));
  return `netlens — see inside neural networks

Usage: netlens <command> [options]    (netlens <command> --help for its options and examples)

Commands:
${COMMANDS.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`).join('\n')}

Exit codes: 0 done, 1 the run failed, 2 bad command line, 3 unreadable input (image, model, path)
or an --out folder that cannot be written.`;
}

/**
 * A thrown error's exit code: a `CliError` says its own; an algorithm's refusal of one of its options
 * (`options.…`) comes from a command-line value the command passed through, so it is a usage error.
 */
export function exitCodeOf(error: unknown): number {
  if (error instanceof CliError) return error.exitCode;
  if (error instanceof InvalidArgumentError && error.argument.startsWith('options.')) return EXIT_CODES.usage;
  return EXIT_CODES.failure;
}

/**
 * Runs the command line with `argv` (without `node` and the script) and returns the exit code:
 * 0 done, 1 the run failed, 2 a bad command line (unknown command, option, method or class, bad
 * number), 3 an input that cannot be read or an `--out` folder that cannot be written (checked before
 * any work). Errors are reported as one line on stderr.
 * @param argv - the arguments, e.g. `['saliency', '--method', 'ig']`.
 * @param io - where output goes. Default: the process's stdout and stderr.
 */
export async function runCli(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout(`${usage()}\n`);
    return name === undefined ? EXIT_CODES.usage : EXIT_CODES.ok;
  }
  const command = COMMANDS.find((candidate) => candidate.name === name);
  if (command === undefined) {
    io.stderr(`netlens: unknown command '${name}'.\n\n${usage()}\n`);
    return EXIT_CODES.usage;
  }
  try {
    let parsed: ReturnType<typeof parseArgs>;
    try {
      parsed = parseArgs({ args: rest, options: command.options, allowPositionals: false, strict: true });
    } catch (error) {
      throw new CliError((error as Error).message.replace(/\. To specify.*$/s, '.'));
    }
    if (parsed.values.help) {
      io.stdout(`${command.help}\n`);
      return EXIT_CODES.ok;
    }
    // An unwritable output folder is found before any model is loaded or step run.
    if ('out' in command.options) checkOutputFolder(parsed.values.out as string | undefined, OUTPUT_ROOT);
    return await command.run(parsed.values, parsed.positionals, io);
  } catch (error) {
    const exitCode = exitCodeOf(error);
    io.stderr(`netlens ${name}: ${(error as Error).message ?? error}\n`);
    if (exitCode === EXIT_CODES.usage) io.stderr(`(netlens ${name} --help shows the options)\n`);
    return exitCode;
  }
}
