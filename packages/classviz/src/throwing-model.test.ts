import { InvalidArgumentError, NetlensError } from '@netlens/backends';
import { createFailingModel, describeOnBackends, expectNoLeak } from '@netlens/backends/testing';
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { channelAtlas } from './channel-atlas';
import { createClassVisualization } from './create-class-visualization';
import { channel, classLogit } from './objectives';
import { visualizeFeature } from './visualize-feature';

type Model = ReturnType<typeof createFailingModel>['classifier'];

const RUNS: Record<string, (model: Model, options: { allowNonFinite?: boolean }) => Promise<unknown>> = {
  createClassVisualization: (model, options) =>
    createClassVisualization(model, [1, 2], { numIterations: 3, ...options }),
  'visualizeFeature (logits)': (model, options) =>
    visualizeFeature(model, classLogit(1), { numSteps: 3, ...options }),
  'visualizeFeature (layer)': (model, options) =>
    visualizeFeature(model, channel('conv2', 1), { numSteps: 3, ...options }),
  channelAtlas: (model, options) => channelAtlas(model, 'conv2', { count: 2, numSteps: 3, ...options }),
};

function disposeResult(value: unknown): void {
  if (value instanceof tf.Tensor) value.dispose();
  else if (value !== null && typeof value === 'object') Object.values(value).forEach(disposeResult);
}

describeOnBackends('class and feature visualization when the model fails', () => {
  for (const [name, run] of Object.entries(RUNS)) {
    it(`${name}: a throwing model gives its typed error and leaves no tensors, whichever pass fails`, async () => {
      for (const failAt of [1, 2, 3]) {
        const failing = createFailingModel(failAt);
        await expectNoLeak(async () => {
          const outcome = await run(failing.classifier, {}).then(
            (value) => ({ value }),
            (error: unknown) => ({ error }),
          );
          if ('value' in outcome) {
            expect(failing.calls).toBeLessThan(failAt);
            disposeResult(outcome.value);
          } else {
            expect(outcome.error).toBeInstanceOf(NetlensError);
            expect((outcome.error as Error).message).toMatch(/logits|forward pass/);
          }
        });
        failing.dispose();
      }
    });
  }

  for (const name of ['createClassVisualization', 'visualizeFeature (logits)']) {
    it(`${name}: NaN logits stop the run with an error naming the model, unless allowNonFinite`, async () => {
      const run = RUNS[name] as (typeof RUNS)[string];
      // Logits turn NaN from the second pass on: the run stops at the first step that reads one.
      const failing = createFailingModel(2, 'nan');
      await expectNoLeak(async () => {
        const error = await run(failing.classifier, {}).then(
          () => undefined,
          (reason: unknown) => reason,
        );
        expect(error).toBeInstanceOf(InvalidArgumentError);
        expect((error as InvalidArgumentError).argument).toBe('model');
        expect((error as InvalidArgumentError).received).toMatch(
          /^an objective of NaN for image 0 at step \d$/,
        );
        const allowed = await run(failing.classifier, { allowNonFinite: true });
        disposeResult(allowed);
      });
      failing.dispose();
    });
  }

  it('refuses absurd step counts and a non-boolean allowNonFinite, naming the option', async () => {
    const failing = createFailingModel(Number.POSITIVE_INFINITY);
    const model = failing.classifier;
    await expectNoLeak(async () => {
      const cases: [Promise<unknown>, string][] = [
        [createClassVisualization(model, 1, { numIterations: 1e9 }), 'options.numIterations'],
        [visualizeFeature(model, classLogit(1), { numSteps: 100_001 }), 'options.numSteps'],
        [channelAtlas(model, 'conv2', { numSteps: 1e9 }), 'options.numSteps'],
        [
          createClassVisualization(model, 1, { allowNonFinite: 1 as unknown as boolean }),
          'options.allowNonFinite',
        ],
      ];
      for (const [promise, argument] of cases) {
        const error = await promise.then(
          () => undefined,
          (reason: unknown) => reason,
        );
        expect(error, argument).toBeInstanceOf(InvalidArgumentError);
        expect((error as InvalidArgumentError).argument).toBe(argument);
      }
    });
    failing.dispose();
  });
});
