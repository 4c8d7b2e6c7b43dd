// The benchmarks' SqueezeNet 1.1: seeded He-uniform kernels and small biases, the same numbers on
// every backend and in every suite (needs the built @netlens/models and @netlens/backends).
import { seededValues } from '@netlens/backends';
import { SQUEEZENET11_WEIGHT_SHAPES, squeezeNet11 } from '@netlens/models';
import * as tf from '@tensorflow/tfjs-core';

/** A SqueezeNet 1.1 classifier with seeded weights (the caller disposes it). */
export function seededSqueezeNet() {
  const weights = {};
  let seed = 1;
  for (const [name, shape] of Object.entries(SQUEEZENET11_WEIGHT_SHAPES)) {
    const size = shape.reduce((a, b) => a * b, 1);
    const limit = shape.length === 1 ? 0.05 : Math.sqrt(6 / (size / shape.at(-1)));
    weights[name] = tf.tensor(seededValues(size, seed++, -limit, limit), shape);
  }
  return squeezeNet11(weights);
}
