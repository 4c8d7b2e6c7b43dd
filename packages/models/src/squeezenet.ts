import {
  fromFunction,
  fusedConv2d,
  type ImageClassifier,
  InvalidArgumentError,
  type LayerIntervention,
  NetlensError,
} from '@netlens/backends';
import * as tf from '@tensorflow/tfjs-core';

/** One fire module: its torchvision `features` index and its channel counts. */
interface FireSpec {
  readonly layer: string;
  readonly index: number;
  readonly inChannels: number;
  readonly squeeze: number;
  readonly expand: number;
  /** How many poolings precede it (indexes the spatial sizes of `spatialSizes`). */
  readonly stage: 1 | 2 | 3;
}

// torchvision `squeezenet1_1().features`: 0 conv, 1 relu, 2 pool, 3–4 fire, 5 pool, 6–7 fire,
// 8 pool, 9–12 fire. Layer names follow the SqueezeNet v1.1 Caffe prototxt (pool1, pool3, pool5).
const FIRES: readonly FireSpec[] = [
  { layer: 'fire2', index: 3, inChannels: 64, squeeze: 16, expand: 64, stage: 1 },
  { layer: 'fire3', index: 4, inChannels: 128, squeeze: 16, expand: 64, stage: 1 },
  { layer: 'fire4', index: 6, inChannels: 128, squeeze: 32, expand: 128, stage: 2 },
  { layer: 'fire5', index: 7, inChannels: 256, squeeze: 32, expand: 128, stage: 2 },
  { layer: 'fire6', index: 9, inChannels: 256, squeeze: 48, expand: 192, stage: 3 },
  { layer: 'fire7', index: 10, inChannels: 384, squeeze: 48, expand: 192, stage: 3 },
  { layer: 'fire8', index: 11, inChannels: 384, squeeze: 64, expand: 256, stage: 3 },
  { layer: 'fire9', index: 12, inChannels: 512, squeeze: 64, expand: 256, stage: 3 },
];

/** Pools follow these layers (ceil-mode 3×3 stride 2 max pooling). */
const POOL_AFTER: Readonly<Record<string, string>> = { conv1: 'pool1', fire3: 'pool3', fire5: 'pool5' };

const NUM_CLASSES = 1000;

/**
 * The tappable layers of {@link squeezeNet11}, input to output, and the torchvision modules they
 * correspond to:
 *
 * | name | torchvision | output at 224² |
 * | --- | --- | --- |
 * | `conv1` | `features.0`–`1` (conv 3×3/2 + ReLU) | 111×111×64 |
 * | `pool1` | `features.2` | 55×55×64 |
 * | `fire2`, `fire3` | `features.3`, `.4` | 55×55×128 |
 * | `pool3` | `features.5` | 27×27×128 |
 * | `fire4`, `fire5` | `features.6`, `.7` | 27×27×256 |
 * | `pool5` | `features.8` | 13×13×256 |
 * | `fire6`, `fire7` | `features.9`, `.10` | 13×13×384 |
 * | `fire8`, `fire9` | `features.11`, `.12` | 13×13×512 |
 * | `conv10` | `classifier.1`–`2` (conv 1×1 + ReLU) | 13×13×1000 |
 *
 * A fire layer's output is the concatenation `[expand1x1, expand3x3]` after their ReLUs.
 */
export const SQUEEZENET11_LAYER_NAMES: readonly string[] = /* @__PURE__ */ Object.freeze([
  'conv1',
  'pool1',
  'fire2',
  'fire3',
  'pool3',
  'fire4',
  'fire5',
  'pool5',
  'fire6',
  'fire7',
  'fire8',
  'fire9',
  'conv10',
]);

/** The smallest height and width SqueezeNet 1.1 accepts (as in torchvision). */
export const SQUEEZENET11_MIN_INPUT_SIZE = 17;

interface ConvSpec {
  readonly name: string;
  readonly kernel: number;
  readonly inChannels: number;
  readonly outChannels: number;
  /** Index into `spatialSizes`: 0 for conv1's output, then after each pooling. */
  readonly stage: 0 | 1 | 2 | 3;
}

function convSpecs(): ConvSpec[] {
  const specs: ConvSpec[] = [{ name: 'features.0', kernel: 3, inChannels: 3, outChannels: 64, stage: 0 }];
  for (const fire of FIRES) {
    const prefix = `features.${fire.index}`;
    const stage = fire.stage;
    specs.push(
      { name: `${prefix}.squeeze`, kernel: 1, inChannels: fire.inChannels, outChannels: fire.squeeze, stage },
      { name: `${prefix}.expand1x1`, kernel: 1, inChannels: fire.squeeze, outChannels: fire.expand, stage },
      { name: `${prefix}.expand3x3`, kernel: 3, inChannels: fire.squeeze, outChannels: fire.expand, stage },
    );
  }
  specs.push({ name: 'classifier.1', kernel: 1, inChannels: 512, outChannels: NUM_CLASSES, stage: 3 });
  return specs;
}

const CONVS: readonly ConvSpec[] = convSpecs();

/**
 * Every weight {@link squeezeNet11} needs, by torchvision state-dict key, with its shape: conv
 * kernels HWIO `[kernel, kernel, in, out]` (transposed from torch's OIHW), biases `[out]`.
 *
 * ```ts
 * SQUEEZENET11_WEIGHT_SHAPES['features.3.expand3x3.weight']; // [3, 3, 16, 64]
 * ```
 */
export const SQUEEZENET11_WEIGHT_SHAPES: Readonly<Record<string, readonly number[]>> =
  /* @__PURE__ */ Object.freeze(
    Object.fromEntries(
      CONVS.flatMap(({ name, kernel, inChannels, outChannels }) => [
        [`${name}.weight`, Object.freeze([kernel, kernel, inChannels, outChannels])],
        [`${name}.bias`, Object.freeze([outChannels])],
      ]),
    ),
  );

// torch's ceil_mode output size for a 3×3 stride-2 window without padding: windows may run past
// the bottom/right edge but must start inside the input.
function pooledSize(size: number): number {
  return Math.floor((size - 2) / 2) + 1;
}

function convolvedSize(size: number): number {
  return Math.floor((size - 3) / 2) + 1;
}

/** Spatial size after conv1, pool1, pool3 and pool5, or undefined when the input is too small. */
function spatialSizes(size: number): [number, number, number, number] | undefined {
  const conv1 = convolvedSize(size);
  if (conv1 < 2) return undefined;
  const pool1 = pooledSize(conv1);
  if (pool1 < 2) return undefined;
  const pool3 = pooledSize(pool1);
  if (pool3 < 2) return undefined;
  return [conv1, pool1, pool3, pooledSize(pool3)];
}

function checkInputSize(height: number, width: number, argument: string): void {
  if (spatialSizes(height) === undefined || spatialSizes(width) === undefined) {
    throw new InvalidArgumentError(
      argument,
      `a height and width of at least ${SQUEEZENET11_MIN_INPUT_SIZE} (SqueezeNet 1.1's three poolings)`,
      `${height}×${width}`,
    );
  }
}

/**
 * Multiply-accumulate operations of one SqueezeNet 1.1 forward pass on a `height × width` image,
 * counted over its convolutions (pooling, ReLU and the global average are left out, as in
 * torchvision's GFLOPS column): 0.349 G at 224×224.
 *
 * ```ts
 * squeezeNet11Flops(224, 224); // 349_151_936
 * ```
 * @param height - image height in pixels, at least {@link SQUEEZENET11_MIN_INPUT_SIZE}.
 * @param width - image width in pixels, at least {@link SQUEEZENET11_MIN_INPUT_SIZE}.
 * @returns the number of multiply-adds for one image.
 */
export function squeezeNet11Flops(height: number, width: number): number {
  for (const [argument, value] of [
    ['height', height],
    ['width', width],
  ] as const) {
    if (!Number.isInteger(value)) throw new InvalidArgumentError(argument, 'an integer', String(value));
  }
  checkInputSize(height, width, 'height, width');
  const rows = spatialSizes(height) as [number, number, number, number];
  const columns = spatialSizes(width) as [number, number, number, number];
  let total = 0;
  for (const { kernel, inChannels, outChannels, stage } of CONVS) {
    total += rows[stage] * columns[stage] * kernel * kernel * inChannels * outChannels;
  }
  return total;
}

/** Throws `MODEL_LOAD` unless `weights` holds every SqueezeNet 1.1 tensor with its HWIO shape. */
function checkWeights(weights: Readonly<Record<string, tf.Tensor | undefined>>): Record<string, tf.Tensor> {
  if (typeof weights !== 'object' || weights === null) {
    throw new NetlensError('MODEL_LOAD', `SqueezeNet 1.1 weights must be a map of tensors, got ${weights}.`);
  }
  const checked: Record<string, tf.Tensor> = {};
  for (const [name, shape] of Object.entries(SQUEEZENET11_WEIGHT_SHAPES)) {
    const tensor = weights[name];
    if (!(tensor instanceof tf.Tensor)) {
      throw new NetlensError(
        'MODEL_LOAD',
        `SqueezeNet 1.1 weight '${name}' is missing: expected a float32 tensor of shape [${shape}], received ${tensor === undefined ? 'nothing' : typeof tensor}.`,
      );
    }
    if (tensor.isDisposed) {
      throw new NetlensError('MODEL_LOAD', `SqueezeNet 1.1 weight '${name}' has been disposed.`);
    }
    if (!tf.util.arraysEqual(tensor.shape, shape as number[]) || tensor.dtype !== 'float32') {
      throw new NetlensError(
        'MODEL_LOAD',
        `SqueezeNet 1.1 weight '${name}' has the wrong shape: expected float32 [${shape}] (HWIO for kernels), received ${tensor.dtype} [${tensor.shape}].`,
      );
    }
    checked[name] = tensor;
  }
  return checked;
}

/** Options for {@link squeezeNet11}. */
export interface SqueezeNet11Options {
  /** The 1000 class names (ImageNet's, for torchvision's weights). Default: none. */
  classNames?: readonly string[];
}

/**
 * SqueezeNet 1.1 (torchvision's `squeezenet1_1`, the network of CS231n's visualisation
 * assignments) in raw tfjs ops, NHWC, as an {@link ImageClassifier} with ImageNet preprocessing
 * and tappable layers {@link SQUEEZENET11_LAYER_NAMES}. It is fully convolutional: any input of at
 * least 17×17 works (224×224 gives 13×13 `conv10` maps). Max pooling uses torch's `ceil_mode`,
 * so logits match torchvision at every size. Dropout is the identity (inference).
 *
 * The classifier takes ownership of the weight tensors it uses; `dispose()` frees them. On a
 * validation error nothing is disposed.
 *
 * Sources: Iandola et al. 2016, SqueezeNet: AlexNet-level accuracy with 50x fewer parameters and
 * <0.5MB model size; torchvision `models/squeezenet.py`.
 *
 * ```ts
 * const model = squeezeNet11(loadSqueezeNet11Weights({ weightSpecs, weightData }));
 * const logits = model.logits(images); // [N, 1000]
 * const [fire9] = model.activations?.(images, ['fire9']) ?? []; // [N, 13, 13, 512] at 224²
 * model.dispose();
 * ```
 * @param weights - tensors named by torchvision state-dict key with HWIO kernels
 *   ({@link SQUEEZENET11_WEIGHT_SHAPES}), e.g. from {@link loadSqueezeNet11Weights}.
 * @param options - optional class names.
 * @returns the classifier, plus `dispose()` for its weights.
 * @throws NetlensError `MODEL_LOAD` naming the tensor when a weight is missing or misshapen.
 */
export function squeezeNet11(
  weights: Readonly<Record<string, tf.Tensor>> | tf.NamedTensorMap,
  options: SqueezeNet11Options = {},
): ImageClassifier & { dispose(): void } {
  const w = checkWeights(weights);
  const conv = (x: tf.Tensor4D, name: string, strides: number, pad: 'valid' | 'same'): tf.Tensor4D =>
    fusedConv2d({
      x,
      filter: w[`${name}.weight`] as tf.Tensor4D,
      bias: w[`${name}.bias`] as tf.Tensor1D,
      strides,
      pad,
      activation: 'relu',
    });
  const fire = (x: tf.Tensor4D, { index }: FireSpec): tf.Tensor4D => {
    const squeezed = conv(x, `features.${index}.squeeze`, 1, 'valid');
    return tf.concat4d(
      [
        conv(squeezed, `features.${index}.expand1x1`, 1, 'valid'),
        conv(squeezed, `features.${index}.expand3x3`, 1, 'same'),
      ],
      3,
    );
  };

  const run = (
    x: tf.Tensor4D,
    outputs: readonly string[],
    interventions: Readonly<Record<string, LayerIntervention>>,
  ): { logits: tf.Tensor2D; activations: tf.Tensor[] } => {
    const [, height, width] = x.shape;
    checkInputSize(height, width, 'images');
    const taken: Record<string, tf.Tensor> = {};
    const tap = (name: string, value: tf.Tensor4D): tf.Tensor4D => {
      const intervention = interventions[name];
      const result = intervention ? (intervention(value) as tf.Tensor4D) : value;
      taken[name] = result;
      return result;
    };
    const pool = (value: tf.Tensor4D, after: string): tf.Tensor4D => {
      const name = POOL_AFTER[after];
      return name === undefined ? value : tap(name, maxPoolCeil(value));
    };
    let h = pool(tap('conv1', conv(x, 'features.0', 2, 'valid')), 'conv1');
    for (const spec of FIRES) h = pool(tap(spec.layer, fire(h, spec)), spec.layer);
    h = tap('conv10', conv(h, 'classifier.1', 1, 'valid'));
    const logits = tf.mean(h, [1, 2]) as tf.Tensor2D;
    return { logits, activations: outputs.map((name) => taken[name] as tf.Tensor) };
  };

  const classifier = fromFunction((x) => run(x, [], {}).logits, {
    inputShape: [null, null, 3],
    numClasses: NUM_CLASSES,
    preprocess: 'imagenet',
    ...(options.classNames ? { classNames: options.classNames } : {}),
    layers: { names: SQUEEZENET11_LAYER_NAMES, run },
  });
  return { ...classifier, dispose: () => tf.dispose(Object.values(w)) };
}

/**
 * 3×3 stride-2 max pooling with torch's `ceil_mode=True`: when the last window runs past the
 * bottom or right edge, the input is padded there with −∞ so the partial window takes the max of
 * its real values.
 */
function maxPoolCeil(x: tf.Tensor4D): tf.Tensor4D {
  const [, height, width] = x.shape;
  const padBottom = (pooledSize(height) - 1) * 2 + 3 - height;
  const padRight = (pooledSize(width) - 1) * 2 + 3 - width;
  const padded =
    padBottom > 0 || padRight > 0
      ? tf.pad(
          x,
          [
            [0, 0],
            [0, padBottom],
            [0, padRight],
            [0, 0],
          ],
          Number.NEGATIVE_INFINITY,
        )
      : x;
  return tf.maxPool(padded, 3, 2, 'valid');
}
