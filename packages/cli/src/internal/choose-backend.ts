import { BACKEND_NAMES, type BackendName, type SelectedBackend, selectBackend } from '@netlens/backends';
import { CliError, EXIT_CODES } from './cli-error';

/** `--backend`: `auto` or one of the netlens backend names. */
export const BACKEND_HELP = `auto (default: the fastest that works here), ${BACKEND_NAMES.join(', ')}`;

/** Activates `--backend` (default `auto`, which skips software-emulated GPUs) or explains why it cannot. */
export async function chooseBackend(value: string | undefined): Promise<SelectedBackend> {
  const wanted = value ?? 'auto';
  if (wanted !== 'auto' && !(BACKEND_NAMES as readonly string[]).includes(wanted)) {
    throw new CliError(`--backend: unknown backend '${wanted}'; choose from ${BACKEND_HELP}.`);
  }
  try {
    // An explicit --backend wins over NETLENS_BACKEND; with auto the environment may pick.
    return await selectBackend(wanted === 'auto' ? 'auto' : [wanted as BackendName], {
      readEnvironment: wanted === 'auto',
    });
  } catch (error) {
    throw new CliError(`--backend ${wanted}: ${(error as Error).message}`, EXIT_CODES.failure);
  }
}
