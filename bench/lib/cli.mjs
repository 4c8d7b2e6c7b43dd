// What every benchmark script does around its measurements: read `--key=value` flags and run its
// PyTorch peer (bench/pytorch/*.py, Debian's python3-torch) in a process of its own.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** `--key=value` and bare `--flag` arguments (a flag maps to `'true'`). */
export function benchArgs(argv = process.argv.slice(2)) {
  return new Map(
    argv.map((arg) => {
      const [key, value] = arg.replace(/^--/, '').split('=');
      return [key, value ?? 'true'];
    }),
  );
}

/**
 * Runs `bench/pytorch/<script>` with `/usr/bin/python3` and the given arguments.
 * @returns `{ torch }`, the JSON of its last output line, or `{ unavailable }`, the reason it gave none.
 */
export function runPytorchPeer(script, args) {
  const peer = spawnSync(
    '/usr/bin/python3',
    [fileURLToPath(new URL(`../pytorch/${script}`, import.meta.url)), ...args.map(String)],
    { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  if (peer.status === 0) return { torch: JSON.parse(peer.stdout.trim().split('\n').at(-1)) };
  const reason = (peer.stderr || String(peer.error ?? '')).trim().split('\n').at(-1);
  return { unavailable: `PyTorch peer unavailable: ${reason}` };
}
