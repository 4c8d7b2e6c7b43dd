import * as tf from '@tensorflow/tfjs-core';

/** The gates of one step from its activations `a [N, 4H]`, in CS231n's order i, f, o, g. */
export function lstmGates(a: tf.Tensor2D): {
  i: tf.Tensor2D;
  f: tf.Tensor2D;
  o: tf.Tensor2D;
  g: tf.Tensor2D;
} {
  const [ai, af, ao, ag] = tf.split(a, 4, 1) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
  return { i: tf.sigmoid(ai), f: tf.sigmoid(af), o: tf.sigmoid(ao), g: tf.tanh(ag) };
}

/**
 * Activation gradients `da [N, 4H]` of one step from the gradients reaching its outputs, and `dprevC`.
 * `dnextC` already includes what flows back from later steps.
 */
export function lstmGateGradients(
  dnextH: tf.Tensor2D,
  dnextC: tf.Tensor2D,
  gates: { i: tf.Tensor2D; f: tf.Tensor2D; o: tf.Tensor2D; g: tf.Tensor2D; tanhNextC: tf.Tensor2D },
  prevC: tf.Tensor2D,
): { da: tf.Tensor2D; dprevC: tf.Tensor2D } {
  const { i, f, o, g, tanhNextC } = gates;
  const dc = tf.add(dnextC, tf.mul(tf.mul(dnextH, o), tf.sub(1, tf.square(tanhNextC))));
  const sigmoidGradient = (gate: tf.Tensor2D, dgate: tf.Tensor) =>
    tf.mul(dgate, tf.mul(gate, tf.sub(1, gate)));
  const da = tf.concat(
    [
      sigmoidGradient(i, tf.mul(dc, g)),
      sigmoidGradient(f, tf.mul(dc, prevC)),
      sigmoidGradient(o, tf.mul(dnextH, tanhNextC)),
      tf.mul(tf.mul(dc, i), tf.sub(1, tf.square(g))),
    ],
    1,
  ) as tf.Tensor2D;
  return { da, dprevC: tf.mul(dc, f) };
}
