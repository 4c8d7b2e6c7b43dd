/** Exit codes of the `netlens` command: documented in `netlens --help`. */
export const EXIT_CODES = {
  ok: 0,
  /** The run itself failed (a backend error, an attack that threw). */
  failure: 1,
  /** The command line is wrong: unknown command, option, method or class, bad number. */
  usage: 2,
  /** An input could not be read: missing file, undecodable image, unloadable model. */
  input: 3,
} as const;

/** An error the command line reports as one line, exiting with {@link CliError.exitCode}. */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    message: string,
    readonly exitCode: number = EXIT_CODES.usage,
  ) {
    super(message);
  }
}
