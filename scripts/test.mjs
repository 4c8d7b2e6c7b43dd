// The README's test command. Software WebGPU in Node (Dawn on SwiftShader) is 10–100× slower than
// cpu and wasm and held `npm test` past 17 minutes on a busy 2-core machine, so it is split:
//
//   node scripts/test.mjs           every package on cpu and wasm, then the subsample of
//                                   @netlens/backends' suites where WebGPU-specific bugs live (the
//                                   gradients netlens registers or overrides, its WebGPU kernels)
//                                   on node-webgpu.
//   node scripts/test.mjs --webgpu  every package's suites on node-webgpu alone
//                                   (`npm run test:webgpu`; CI runs it as its own step).
//
// NETLENS_TEST_BACKENDS set by the caller wins in both modes. NETLENS_REQUIRE_BACKENDS (CI) is
// narrowed to the backends each run tries, so a required backend fails the run that owns it.
import { spawnSync } from 'node:child_process';

const webgpuOnly = process.argv.includes('--webgpu');
const chosen = process.env.NETLENS_TEST_BACKENDS;
const required = (process.env.NETLENS_REQUIRE_BACKENDS ?? '').split(',').filter(Boolean);

const WEBGPU_SUBSAMPLE = [
  'src/max-pool-gradient-ties.test.ts',
  'src/fused-conv2d.test.ts',
  'src/activation-gradient-rule.test.ts',
  'src/avg-pool-gradient.test.ts',
  'src/mirror-pad-gradient.test.ts',
  'src/fused-batch-norm-inputs.test.ts',
  'src/ensure-gradient-overrides.test.ts',
  'src/gradient-scope.test.ts',
];

function run(label, backends, args, cwd) {
  const list = chosen ?? backends.join(',');
  const requireHere = required.filter((name) => list.split(',').includes(name)).join(',');
  console.log(`\n==> ${label}: backends ${list}${requireHere ? ` (required: ${requireHere})` : ''}`);
  const result = spawnSync('npx', args, {
    cwd,
    stdio: 'inherit',
    env: { ...process.env, NETLENS_TEST_BACKENDS: list, NETLENS_REQUIRE_BACKENDS: requireHere },
  });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

if (webgpuOnly) {
  run(
    'every package on WebGPU-in-Node',
    ['node-webgpu'],
    ['turbo', 'run', 'test', '--concurrency=1', '--filter=./packages/*', '--filter=!@netlens/cli'],
  );
} else {
  run('every package', ['cpu', 'wasm'], ['turbo', 'run', 'test', '--concurrency=2']);
  if (!chosen) {
    run(
      '@netlens/backends subsample on WebGPU-in-Node',
      ['node-webgpu'],
      ['vitest', 'run', ...WEBGPU_SUBSAMPLE],
      new URL('../packages/backends/', import.meta.url),
    );
  }
}
