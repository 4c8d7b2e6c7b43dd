import { InvalidArgumentError } from '@netlens/backends';
import * as tf from '@tensorflow/tfjs-core';

/**
 * How `visualizeFeature` climbs the objective. `'adam'` is Lucid's (learning rate 0.05);
 * `'normalized-sgd'` is CS231n's `x ← x + learningRate · g / ‖g‖`, the norm taken per image.
 *
 * ```ts
 * await visualizeFeature(model, classLogit(3), { optimizer: { name: 'adam', learningRate: 0.02 } });
 * ```
 */
export type OptimizerOptions =
  | 'adam'
  | 'normalized-sgd'
  | {
      readonly name: 'adam';
      /** Default 0.05 (Lucid). */
      readonly learningRate?: number;
      /** Default 0.9. */
      readonly beta1?: number;
      /** Default 0.999. */
      readonly beta2?: number;
      /** Default 1e-8. */
      readonly epsilon?: number;
    }
  | {
      readonly name: 'normalized-sgd';
      /** Length of each step in variable units, per image. Default 1. */
      readonly learningRate?: number;
    };

/** Ascent state carried between steps; `update` disposes what it replaces. */
export interface Optimizer {
  /** Returns the new variables (tidied) and replaces the carried moments. */
  update(variables: tf.Tensor, gradient: tf.Tensor): tf.Tensor;
  dispose(): void;
}

function positive(value: unknown, argument: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new InvalidArgumentError(argument, 'a finite number > 0', String(value));
  }
  return value;
}

function fraction(value: unknown, argument: string): number {
  if (typeof value !== 'number' || !(value >= 0 && value < 1)) {
    throw new InvalidArgumentError(argument, 'a number in [0, 1)', String(value));
  }
  return value;
}

/**
 * `length · g / ‖g‖` for each example of the batch (L2 norm over all but the first axis); an
 * all-zero gradient gives a zero step. The zero guard works on the `[N, 1, …]` norms, so the image
 * itself goes through one multiply (`tf.divNoNan` compares and selects over the whole image).
 */
export function normalizedStep(gradient: tf.Tensor, length: number): tf.Tensor {
  return tf.tidy(() => {
    const axes = Array.from({ length: gradient.rank - 1 }, (_, i) => i + 1);
    const norm = tf.sqrt(tf.sum(tf.square(gradient), axes, true));
    const scale = tf.where(tf.greater(norm, 0), tf.div(length, norm), tf.zerosLike(norm));
    return tf.mul(gradient, scale);
  });
}

/** Validates the options and builds the optimiser (no tensors until the first update). */
export function createOptimizer(
  options: OptimizerOptions | undefined,
  argument = 'options.optimizer',
): Optimizer {
  const spec = typeof options === 'string' ? { name: options } : (options ?? { name: 'adam' as const });
  if (spec.name === 'normalized-sgd') {
    const learningRate = positive(
      ('learningRate' in spec ? spec.learningRate : undefined) ?? 1,
      `${argument}.learningRate`,
    );
    return {
      update: (variables, gradient) =>
        tf.tidy(() => tf.add(variables, normalizedStep(gradient, learningRate))),
      dispose: () => {},
    };
  }
  if (spec.name !== 'adam') {
    throw new InvalidArgumentError(argument, "'adam', 'normalized-sgd' or { name, … }", String(spec.name));
  }
  const adam = spec as Exclude<OptimizerOptions, string> & { name: 'adam' };
  const learningRate = positive(adam.learningRate ?? 0.05, `${argument}.learningRate`);
  const beta1 = fraction(adam.beta1 ?? 0.9, `${argument}.beta1`);
  const beta2 = fraction(adam.beta2 ?? 0.999, `${argument}.beta2`);
  const epsilon = positive(adam.epsilon ?? 1e-8, `${argument}.epsilon`);
  let first: tf.Tensor | undefined;
  let second: tf.Tensor | undefined;
  let step = 0;
  return {
    update(variables, gradient) {
      step += 1;
      const [nextFirst, nextSecond, nextVariables] = tf.tidy(() => {
        const m = tf.add(tf.mul(beta1, first ?? tf.zerosLike(gradient)), tf.mul(1 - beta1, gradient));
        const v = tf.add(
          tf.mul(beta2, second ?? tf.zerosLike(gradient)),
          tf.mul(1 - beta2, tf.square(gradient)),
        );
        const mHat = tf.div(m, 1 - beta1 ** step);
        const vHat = tf.div(v, 1 - beta2 ** step);
        return [m, v, tf.add(variables, tf.mul(learningRate, tf.div(mHat, tf.add(tf.sqrt(vHat), epsilon))))];
      });
      first?.dispose();
      second?.dispose();
      first = nextFirst;
      second = nextSecond;
      return nextVariables as tf.Tensor;
    },
    dispose() {
      first?.dispose();
      second?.dispose();
      first = undefined;
      second = undefined;
    },
  };
}
