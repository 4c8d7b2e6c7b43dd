import * as tf from '@tensorflow/tfjs-core';
import { afterEach, describe, expect, it } from 'vitest';
import { BackendUnavailableError, InvalidArgumentError } from './errors';
import { selectBackend } from './select-backend';

describe('selectBackend', () => {
  const saved = process.env.NETLENS_BACKEND;
  afterEach(() => {
    if (saved === undefined) delete process.env.NETLENS_BACKEND;
    else process.env.NETLENS_BACKEND = saved;
  });

  it('activates the first hint that works and reports what it skipped', async () => {
    const chosen = await selectBackend(['node-gpu', 'node', 'cpu'], { readEnvironment: false });
    expect(chosen.name).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    expect(chosen.skipped.map((failure) => failure.backend)).toEqual(['node-gpu', 'node']);
    expect(chosen.skipped[0]?.reason).toMatch(/@tensorflow\/tfjs-node-gpu is not installed/);
    expect(chosen.reason).toContain('cpu was after node-gpu, node to work');
    expect(chosen.floatPrecision).toBe(32);
  });

  it('runs a gradient on the backend it selected', async () => {
    await selectBackend('wasm', { readEnvironment: false });
    expect(tf.getBackend()).toBe('wasm');
    const gradient = tf.tidy(() =>
      tf
        .grad((x: tf.Tensor) => tf.sum(tf.square(x)))(tf.tensor([1, -2, 3]))
        .dataSync(),
    );
    expect(Array.from(gradient)).toEqual([2, -4, 6]);
  });

  it('throws one error that lists every failure when nothing works', async () => {
    const error = await selectBackend(['node-gpu', 'webgl'], { readEnvironment: false }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(BackendUnavailableError);
    const failures = (error as BackendUnavailableError).failures;
    expect(failures.map((failure) => failure.backend)).toEqual(['node-gpu', 'webgl']);
    expect((error as Error).message).toMatch(/node-gpu: .*not installed[\s\S]*webgl: WebGL needs a browser/);
  });

  it("lets NETLENS_BACKEND override the hints in Node, and 'auto' falls through to a CPU backend", async () => {
    process.env.NETLENS_BACKEND = 'cpu';
    expect((await selectBackend(['wasm'])).name).toBe('cpu');
    expect((await selectBackend(['wasm'])).reason).toContain('NETLENS_BACKEND');
    process.env.NETLENS_BACKEND = 'auto';
    const auto = await selectBackend();
    // tfjs-node cannot install here and a SwiftShader adapter is passed over, so auto lands on wasm.
    expect(['wasm', 'node-webgpu', 'node', 'node-gpu']).toContain(auto.name);
    expect(auto.skipped.map((failure) => failure.backend)).toEqual(
      expect.arrayContaining(['node-gpu', 'node'].filter((name) => name !== auto.name)),
    );
    process.env.NETLENS_BACKEND = 'cuda';
    await expect(selectBackend()).rejects.toBeInstanceOf(InvalidArgumentError);
  });

  it('rejects unknown hints with a typed error naming the argument', async () => {
    const error = await selectBackend(['gpu' as never], { readEnvironment: false }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as InvalidArgumentError).argument).toBe('hints');
    await expect(selectBackend([], { readEnvironment: false })).rejects.toBeInstanceOf(InvalidArgumentError);
  });
});
