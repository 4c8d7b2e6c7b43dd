import {
  assertImageBatchShape,
  fromFunction,
  type ImageClassifier,
  InvalidArgumentError,
} from '@netlens/backends';
import * as tf from '@tensorflow/tfjs-core';

/** Options for {@link digitStripFeatures}. */
export interface DigitStripFeatureOptions {
  /**
   * What describes each cell, concatenated in this order: names from `classifier.layerNames` (each
   * output flattened), `'logits'`, or `'softmax'` (the class probabilities). Default `['softmax']`:
   * ten probabilities per cell, from which a linear `W_proj` reads each slot's digit at once.
   */
  layers?: readonly string[];
}

const OUTPUTS: readonly string[] = ['logits', 'softmax'];

function cellSize(classifier: ImageClassifier): [number, number, number] {
  const [height, width, channels] = classifier?.inputShape ?? [];
  if (typeof height !== 'number' || typeof width !== 'number' || typeof channels !== 'number') {
    throw new InvalidArgumentError(
      'classifier',
      'an ImageClassifier with a fixed input height and width',
      JSON.stringify(classifier?.inputShape),
    );
  }
  return [height, width, channels];
}

/** `[N, h, k·w, c]` → `[N·k, h, w, c]`, cells in reading order; differentiable. */
function splitCells(strips: tf.Tensor4D, width: number): tf.Tensor4D {
  const [batch, height, total, channels] = strips.shape;
  const cells = total / width;
  const split = tf.reshape(strips, [batch, height, cells, width, channels]);
  return tf.reshape(tf.transpose(split, [0, 2, 1, 3, 4]), [batch * cells, height, width, channels]);
}

function checkStrips(strips: unknown, classifier: ImageClassifier): tf.Tensor4D {
  const [height, width, channels] = cellSize(classifier);
  assertImageBatchShape(strips, [height, null, channels], 'strips');
  const total = strips.shape[2];
  if (total % width !== 0 || total === 0 || strips.shape[0] === 0) {
    throw new InvalidArgumentError(
      'strips',
      `a non-empty batch [N, ${height}, k·${width}, ${channels}] (whole cells of the classifier's input)`,
      `shape [${strips.shape}]`,
    );
  }
  return strips;
}

/**
 * Image features for captioning a strip of digits: the strip is cut into cells the size of the
 * classifier's input, the classifier is run on every cell (one batch), and each cell's outputs
 * (`layers`) are concatenated, cells left to right. For `mnistClassifier` and 28×112 strips the
 * default is `[N, 4 · 10]`: the CNN's class probabilities per slot, so the captioner's `W_proj`
 * reads each slot's digit, or the fixed pattern of an empty slot, linearly. Differentiable with
 * respect to `strips`, so a caption word's score can be traced back to pixels.
 *
 * ```ts
 * const classifier = mnistClassifier();
 * const features = digitStripFeatures(classifier, strips); // [N, 40]
 * const richer = digitStripFeatures(classifier, strips, { layers: ['dense1', 'softmax'] }); // [N, 4 · 74]
 * ```
 * @param classifier - the per-cell encoder; layer names need its `activations`.
 * @param strips - `[N, h, k·w, c]` pixels in `[0, 1]`, `[h, w, c]` the classifier's input shape.
 * @param options - the outputs to read per cell.
 * @returns `[N, k · size]` features; the caller disposes them.
 * @throws InvalidArgumentError for strips that are not whole cells, unknown layers or an empty batch.
 */
export function digitStripFeatures(
  classifier: ImageClassifier,
  strips: tf.Tensor4D,
  options: DigitStripFeatureOptions = {},
): tf.Tensor2D {
  checkStrips(strips, classifier);
  const { layers = ['softmax'] } = options;
  const known = [...OUTPUTS, ...(classifier.activations ? classifier.layerNames : [])];
  if (!Array.isArray(layers) || layers.length === 0 || layers.some((name) => !known.includes(name))) {
    throw new InvalidArgumentError(
      'options.layers',
      `a non-empty list of ${known.join(', ')}`,
      String(layers),
    );
  }
  const [, width] = cellSize(classifier);
  return tf.tidy(() => {
    const cells = splitCells(strips, width);
    const count = cells.shape[0];
    const inner = layers.filter((name) => !OUTPUTS.includes(name));
    const taken = inner.length > 0 ? (classifier.activations?.(cells, inner) ?? []) : [];
    const logits = layers.some((name) => OUTPUTS.includes(name)) ? classifier.logits(cells) : undefined;
    const parts = layers.map((name) => {
      if (name === 'logits') return logits as tf.Tensor2D;
      if (name === 'softmax') return tf.softmax(logits as tf.Tensor2D);
      return tf.reshape(taken[inner.indexOf(name)] as tf.Tensor, [count, -1]);
    });
    // [N·k, size] → [N, k·size]: each cell's parts together, cells left to right.
    const joined = parts.length === 1 ? (parts[0] as tf.Tensor) : tf.concat(parts, 1);
    return tf.reshape(joined, [strips.shape[0], -1]) as tf.Tensor2D;
  });
}

/**
 * The cell classifier applied to every cell of a strip, as an {@link ImageClassifier} over whole
 * strips: its logits are `[N, k · numClasses]`, cell-major (class `c` of cell `j` at `j · numClasses + c`).
 * Hand it to `@netlens/saliency` methods with a `scoreFn` that reads {@link digitStripFeatures} and a
 * captioner's word scores, so the saliency map covers the whole strip.
 *
 * ```ts
 * const stripModel = digitStripClassifier(mnistClassifier(), 4);
 * const map = await vanillaGradient(stripModel, strips, { target: 2 * 10 + 7 }); // "a seven in slot 2"
 * ```
 * @param classifier - the per-cell classifier, with a fixed input size.
 * @param cells - cells per strip. Default `4`.
 * @returns a classifier of `[N, h, cells · w, c]` strips (no layers of its own; dispose the cell classifier yourself).
 */
export function digitStripClassifier(classifier: ImageClassifier, cells = 4): ImageClassifier {
  const [height, width, channels] = cellSize(classifier);
  if (!Number.isInteger(cells) || cells < 1) {
    throw new InvalidArgumentError('cells', 'a positive integer', String(cells));
  }
  return fromFunction(
    (strips) =>
      tf.tidy(
        () => tf.reshape(classifier.logits(splitCells(strips, width)), [strips.shape[0], -1]) as tf.Tensor2D,
      ),
    {
      inputShape: [height, cells * width, channels],
      numClasses: cells * classifier.numClasses,
      ...(classifier.classNames
        ? {
            classNames: Array.from(
              { length: cells * classifier.numClasses },
              (_, index) =>
                `cell ${Math.floor(index / classifier.numClasses)}: ${classifier.classNames?.[index % classifier.numClasses]}`,
            ),
          }
        : {}),
    },
  );
}
