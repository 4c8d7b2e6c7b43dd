import type { CliIo } from './io';

/** A progress bar on stderr for one long task. */
export interface Progress {
  /** Reports that `done` of the task's steps are finished, with an optional note (a loss, a score). */
  update(done: number, note?: string): void;
  /** Ends the bar (always call it, also on failure). */
  finish(): void;
}

const WIDTH = 24;

/**
 * A bar `label [#####-----]  40% note` redrawn in place on a terminal; elsewhere (CI logs, pipes)
 * one line at each quarter, so logs stay short. Silent when `quiet` is set (`--json`).
 */
export function createProgress(io: CliIo, label: string, total: number, quiet = false): Progress {
  let lastQuarter = -1;
  let drawn = false;
  const line = (done: number, note?: string) => {
    const fraction = total > 0 ? Math.min(1, done / total) : 1;
    const filled = Math.round(fraction * WIDTH);
    const bar = `${'#'.repeat(filled)}${'-'.repeat(WIDTH - filled)}`;
    return `${label} [${bar}] ${String(Math.round(fraction * 100)).padStart(3)}%${note ? ` ${note}` : ''}`;
  };
  return {
    update(done, note) {
      if (quiet) return;
      if (io.interactive) {
        io.stderr(`\r${line(done, note)}\u001b[K`);
        drawn = true;
        return;
      }
      const quarter = Math.floor((total > 0 ? done / total : 1) * 4);
      if (quarter > lastQuarter) {
        lastQuarter = quarter;
        io.stderr(`${line(done, note)}\n`);
      }
    },
    finish() {
      if (quiet) return;
      if (drawn) io.stderr('\n');
    },
  };
}
