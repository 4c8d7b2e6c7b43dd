import { expectTensorsClose } from '@netlens/backends/testing';
import * as tf from '@tensorflow/tfjs-core';
import { dot, numericGradient64, tensorOf } from './reference';

/** A layer under test: its float64 reference, its tfjs forward, and its explicit backward pass. */
export interface BackwardCase {
  /** The differentiated inputs: values and shapes. */
  inputs: Record<string, { values: Float64Array; shape: number[] }>;
  /** Upstream gradient of each output (flat). */
  douts: Float64Array[];
  /** The outputs in float64 from the current input values. */
  reference: (values: Record<string, Float64Array>) => Float64Array[];
  /** The outputs in tfjs (differentiable by tfjs autodiff). */
  forward: (tensors: Record<string, tf.Tensor>) => tf.Tensor[];
  /** Forward then explicit backward: a gradient for each input (cleans up its own caches). */
  backward: (tensors: Record<string, tf.Tensor>, douts: tf.Tensor[]) => Record<string, tf.Tensor>;
}

/**
 * Checks a layer's explicit backward pass against (a) the float64 centered difference of
 * `Σ_k outputs_k · douts_k` and (b) tfjs autodiff of the same scalar, for every input.
 */
export async function checkBackward(testCase: BackwardCase): Promise<void> {
  const names = Object.keys(testCase.inputs);
  const values = Object.fromEntries(names.map((name) => [name, testCase.inputs[name]!.values]));
  const tensors = Object.fromEntries(
    names.map((name) => [name, tensorOf(testCase.inputs[name]!.values, testCase.inputs[name]!.shape)]),
  );
  const shapes = tf
    .tidy(() => testCase.forward(tensors))
    .map((output) => {
      output.dispose();
      return output.shape;
    });
  const douts = testCase.douts.map((dout, k) => tensorOf(dout, shapes[k]!));
  const analytic = testCase.backward(tensors, douts);
  const autodiff = tf.grads((...xs: tf.Tensor[]) =>
    tf.tidy(() => {
      const record = Object.fromEntries(names.map((name, i) => [name, xs[i]!]));
      const terms = testCase.forward(record).map((output, k) => tf.sum(tf.mul(output, douts[k]!)));
      return tf.addN(terms) as tf.Scalar;
    }),
  )(names.map((name) => tensors[name]!));
  try {
    const scalar = () =>
      testCase.reference(values).reduce((sum, output, k) => sum + dot(output, testCase.douts[k]!), 0);
    for (const [i, name] of names.entries()) {
      const numeric = numericGradient64(scalar, values[name]!);
      try {
        await expectTensorsClose(analytic[name]!, numeric);
        await expectTensorsClose(analytic[name]!, autodiff[i]!);
      } catch (error) {
        throw new Error(`gradient of ${name}: ${(error as Error).message}`);
      }
    }
  } finally {
    tf.dispose([Object.values(tensors), douts, Object.values(analytic), autodiff]);
  }
}
