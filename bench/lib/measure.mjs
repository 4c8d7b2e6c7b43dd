// Timing for every benchmark: medians of *clean* repetitions. The benchmark machine is shared, so a
// repetition counts only when the rest of the machine used < 20 ms + 10 % of one core meanwhile
// (machine-wide CPU time from /proc/stat minus this process's own, worker threads included).
import { readFileSync } from 'node:fs';

/** Machine-wide busy CPU milliseconds (all cores), or NaN where /proc/stat is missing. */
export function machineBusyMs() {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const [user, nice, system, , , irq, softirq, steal] = fields;
    return (user + nice + system + irq + softirq + (steal ?? 0)) * 10; // USER_HZ = 100
  } catch {
    return Number.NaN;
  }
}

function ownCpuMs() {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/**
 * Runs `run` (sync or async; it must wait for its result) `warmup` times, then until it has `reps`
 * clean repetitions (at most 4×reps tries). Returns median/min/max of the clean ones (of all, when
 * none was clean) and the clean/total counts.
 */
export async function measure(run, { reps = 7, warmup = 2 } = {}) {
  for (let i = 0; i < warmup; i++) await run();
  const clean = [];
  const all = [];
  for (let attempt = 0; attempt < reps * 4 && clean.length < reps; attempt++) {
    const busy0 = machineBusyMs();
    const own0 = ownCpuMs();
    const t0 = performance.now();
    await run();
    const ms = performance.now() - t0;
    const others = machineBusyMs() - busy0 - (ownCpuMs() - own0);
    all.push(ms);
    if (!(others > 20 + 0.1 * ms)) clean.push(ms);
  }
  const sorted = [...(clean.length > 0 ? clean : all)].sort((a, b) => a - b);
  return {
    median: sorted[Math.floor((sorted.length - 1) / 2)],
    min: sorted[0],
    max: sorted.at(-1),
    clean: clean.length,
    total: all.length,
  };
}

/** `12.3 (5/7)`: a median with its clean/total counts. */
export function cell(measurement) {
  const value = measurement.median;
  const text = value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2);
  return `${text} (${measurement.clean}/${measurement.total})`;
}
