import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { type BackendName, isBackendName } from '../backend-names';
import { isNode } from '../internal/optional-import';
import { selectBackend } from '../select-backend';

/** What a suite body receives: the backend it runs on. */
export interface BackendTestContext {
  /** The netlens backend name (`'wasm'`, `'node-webgpu'`, …). */
  backend: BackendName;
}

/** Options for {@link describeOnBackends}. */
export interface DescribeOnBackendsOptions {
  /** Backends this suite must skip, each with the reason (shown in the report). */
  exclude?: Partial<Record<BackendName, string>>;
}

// In browsers the lists come from Vite's environment (`VITE_NETLENS_…`, read from the shell by Vite).
function environmentValue(name: string): string | undefined {
  if (isNode()) return process.env[name];
  const viteEnvironment = (import.meta as { env?: Record<string, string | undefined> }).env;
  return viteEnvironment?.[`VITE_${name}`];
}

function listFromEnvironment(name: string): BackendName[] | undefined {
  const value = environmentValue(name);
  if (!value) return undefined;
  const names = value.split(',').map((entry) => entry.trim());
  const invalid = names.filter((entry) => !isBackendName(entry));
  if (invalid.length > 0) throw new Error(`${name} names unknown backends: ${invalid.join(', ')}`);
  return names as BackendName[];
}

/**
 * The backends a test run tries: `NETLENS_TEST_BACKENDS` (comma-separated) when set, else cpu, wasm
 * and node-webgpu in Node, and webgpu, webgl, wasm, cpu in browsers.
 */
export function candidateTestBackends(): BackendName[] {
  return (
    listFromEnvironment('NETLENS_TEST_BACKENDS') ??
    (isNode() ? ['cpu', 'wasm', 'node-webgpu'] : ['webgpu', 'webgl', 'wasm', 'cpu'])
  );
}

/**
 * Defines `suite` once per available backend, as `name [backend]`, activating that backend before
 * the suite's tests. On WebGPU it turns off `WEBGPU_CPU_FORWARD` for the suite, so that small test
 * tensors run on WebGPU kernels rather than tfjs' CPU fallback. A backend that cannot start here is reported as a skipped suite, unless it is
 * listed in `NETLENS_REQUIRE_BACKENDS` (`VITE_NETLENS_REQUIRE_BACKENDS` in browser runs), which turns its
 * absence into a failure (CI sets both). When no
 * backend runs the suite, a failing test says so: a suite can never pass on zero backends, except
 * when `NETLENS_TEST_BACKENDS` names only backends the suite excludes with a reason (then the
 * exclusions are the report, whether or not those backends are required).
 *
 * ```ts
 * describeOnBackends('conv gradient', ({ backend }) => {
 *   it('matches the numeric gradient', () => { … });
 * });
 * ```
 */
export function describeOnBackends(
  name: string,
  suite: (context: BackendTestContext) => void,
  options: DescribeOnBackendsOptions = {},
): void {
  describe(name, async () => {
    const required = new Set(listFromEnvironment('NETLENS_REQUIRE_BACKENDS') ?? []);
    const ran: BackendName[] = [];
    // A required backend is always tried, so requiring one that is not a candidate cannot pass silently.
    for (const backend of [...new Set([...candidateTestBackends(), ...required])]) {
      const excluded = options.exclude?.[backend];
      if (excluded !== undefined) {
        describe.skip(`[${backend}] excluded: ${excluded}`, () => {
          it('is excluded', () => {});
        });
        continue;
      }
      let unavailable: string | undefined;
      try {
        await selectBackend(backend, { readEnvironment: false });
      } catch (error) {
        unavailable = error instanceof Error ? error.message.replace(/\s+/g, ' ') : String(error);
      }
      if (unavailable !== undefined) {
        if (required.has(backend)) {
          it(`[${backend}] is required (NETLENS_REQUIRE_BACKENDS) but unavailable`, () => {
            throw new Error(unavailable);
          });
        } else {
          describe.skip(`[${backend}] unavailable: ${unavailable}`, () => {
            it('is unavailable', () => {});
          });
        }
        continue;
      }
      ran.push(backend);
      describe(`[${backend}]`, () => {
        let forward: boolean | undefined;
        beforeAll(async () => {
          await selectBackend(backend, { readEnvironment: false });
          // tfjs-backend-webgpu computes small CPU-resident inputs with CPU kernels by default; tests
          // turn that off so WebGPU kernels (and asynchronous reads) are what they exercise.
          if (tf.getBackend() === 'webgpu') {
            forward = tf.env().getBool('WEBGPU_CPU_FORWARD');
            tf.env().set('WEBGPU_CPU_FORWARD', false);
          }
        });
        afterAll(() => {
          if (forward !== undefined) tf.env().set('WEBGPU_CPU_FORWARD', forward);
        });
        suite({ backend });
      });
    }
    // A run narrowed on purpose (NETLENS_TEST_BACKENDS, e.g. `npm run test:webgpu`) to backends this
    // suite excludes with a reason has nothing to run; any other run on zero backends fails.
    const candidates = candidateTestBackends();
    const deliberatelyNone =
      environmentValue('NETLENS_TEST_BACKENDS') !== undefined &&
      candidates.every((backend) => options.exclude?.[backend] !== undefined);
    if (ran.length === 0 && !deliberatelyNone) {
      it('runs on at least one backend', () => {
        throw new Error(`No backend could run '${name}' (tried ${candidates.join(', ')}).`);
      });
    }
  });
}
