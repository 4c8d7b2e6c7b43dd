import * as tf from '@tensorflow/tfjs-core';

/** The values of one GRU step that its backward pass needs (each `[N, H]`). */
export type GruGateValues = {
  /** Reset gate `σ(a_r)`. */
  r: tf.Tensor2D;
  /** Update gate `σ(a_z)`. */
  z: tf.Tensor2D;
  /** Candidate `tanh(x·Wx_n + b_n + r ⊙ prevH·Wh_n)`. */
  n: tf.Tensor2D;
  /** `prevH·Wh_n`, the hidden part of the candidate before the reset gate. */
  hiddenN: tf.Tensor2D;
};

/**
 * One GRU step from the input activations `inputA = x·Wx + b` `[N, 3H]` (blocks r, z, n) and the
 * previous state.
 */
export function gruStep(
  inputA: tf.Tensor2D,
  prevH: tf.Tensor2D,
  Wh: tf.Tensor2D,
): { nextH: tf.Tensor2D; values: GruGateValues } {
  const [xr, xz, xn] = tf.split(inputA, 3, 1) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
  const [hr, hz, hiddenN] = tf.split(tf.matMul(prevH, Wh), 3, 1) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
  const r = tf.sigmoid(tf.add(xr, hr)) as tf.Tensor2D;
  const z = tf.sigmoid(tf.add(xz, hz)) as tf.Tensor2D;
  const n = tf.tanh(tf.add(xn, tf.mul(r, hiddenN))) as tf.Tensor2D;
  const nextH = tf.add(n, tf.mul(z, tf.sub(prevH, n))) as tf.Tensor2D;
  return { nextH, values: { r, z, n, hiddenN } };
}

/**
 * Activation gradients of one GRU step: `dInputA [N, 3H]` (for `Wx`, `b` and `x`), `dHiddenA [N, 3H]`
 * (for `Wh` and `prevH`), and the part of `dprevH` that bypasses `Wh` (`dnextH ⊙ z`).
 */
export function gruGateGradients(
  dnextH: tf.Tensor2D,
  values: GruGateValues,
  prevH: tf.Tensor2D,
): { dInputA: tf.Tensor2D; dHiddenA: tf.Tensor2D; dprevHDirect: tf.Tensor2D } {
  const { r, z, n, hiddenN } = values;
  const dn = tf.mul(tf.mul(dnextH, tf.sub(1, z)), tf.sub(1, tf.square(n)));
  const dr = tf.mul(tf.mul(tf.mul(dn, hiddenN), r), tf.sub(1, r));
  const dz = tf.mul(tf.mul(tf.mul(dnextH, tf.sub(prevH, n)), z), tf.sub(1, z));
  return {
    dInputA: tf.concat([dr, dz, dn], 1) as tf.Tensor2D,
    dHiddenA: tf.concat([dr, dz, tf.mul(dn, r)], 1) as tf.Tensor2D,
    dprevHDirect: tf.mul(dnextH, z) as tf.Tensor2D,
  };
}
