import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '../errors';

/**
 * How a model expects its input, starting from pixels in `[0, 1]`:
 * `(pixels · scale − mean) / std`, after optionally reversing RGB to BGR.
 */
export interface PreprocessSpec {
  /** Multiplier applied first; 255 for models trained on `[0, 255]` inputs. Default 1. */
  scale?: number;
  /** Per-channel (or one) value subtracted after scaling. Default 0. */
  mean?: number | readonly number[];
  /** Per-channel (or one) divisor applied last. Default 1. */
  std?: number | readonly number[];
  /** Channel order the model wants. Default `'rgb'`. */
  channelOrder?: 'rgb' | 'bgr';
}

/**
 * Named presets: `imagenet` (torchvision: mean 0.485/0.456/0.406, std 0.229/0.224/0.225),
 * `inception` (`[-1, 1]`, Keras MobileNet/Inception), `caffe` (BGR, `[0, 255]` minus the ImageNet
 * mean: Keras VGG/ResNet50), `none` (the model takes `[0, 1]` pixels).
 */
export type PreprocessPreset = 'imagenet' | 'inception' | 'caffe' | 'none';

/** A preset, a spec, or any differentiable function of a `[0, 1]` NHWC batch. */
export type Preprocess = PreprocessPreset | PreprocessSpec | ((images: tf.Tensor4D) => tf.Tensor4D);

/** torchvision's ImageNet normalisation, in `[0, 1]` pixel units. */
export const IMAGENET_PREPROCESS: Readonly<PreprocessSpec> = /* @__PURE__ */ Object.freeze({
  mean: Object.freeze([0.485, 0.456, 0.406]),
  std: Object.freeze([0.229, 0.224, 0.225]),
});

const PRESETS: Record<PreprocessPreset, PreprocessSpec> = {
  imagenet: IMAGENET_PREPROCESS,
  inception: { mean: 0.5, std: 0.5 },
  caffe: { scale: 255, mean: [103.939, 116.779, 123.68], channelOrder: 'bgr' },
  none: {},
};

function perChannel(value: number | readonly number[], channels: number, name: string): number[] {
  if (typeof value === 'number') return new Array<number>(channels).fill(value);
  if (value.length !== channels || value.some((v) => !Number.isFinite(v))) {
    throw new InvalidArgumentError(name, `${channels} finite numbers`, `[${value.join(', ')}]`);
  }
  return [...value];
}

/**
 * Turns a {@link Preprocess} option into a differentiable function of `[N, H, W, C]` pixels.
 * @param preprocess - the option as the user gave it; `undefined` means `'none'`.
 * @param channels - the model's channel count, to check per-channel values against.
 */
export function resolvePreprocess(
  preprocess: Preprocess | undefined,
  channels: number,
): (images: tf.Tensor4D) => tf.Tensor4D {
  if (typeof preprocess === 'function') return preprocess;
  const spec = typeof preprocess === 'string' ? PRESETS[preprocess] : (preprocess ?? {});
  if (spec === undefined) {
    throw new InvalidArgumentError(
      'options.preprocess',
      `one of ${Object.keys(PRESETS).join(', ')}, a spec or a function`,
      String(preprocess),
    );
  }
  const scale = spec.scale ?? 1;
  const mean = perChannel(spec.mean ?? 0, channels, 'options.preprocess.mean');
  const std = perChannel(spec.std ?? 1, channels, 'options.preprocess.std');
  if (std.some((s) => s === 0)) {
    throw new InvalidArgumentError('options.preprocess.std', 'non-zero values', `[${std.join(', ')}]`);
  }
  const bgr = spec.channelOrder === 'bgr';
  if (bgr && channels !== 3) {
    throw new InvalidArgumentError('options.preprocess.channelOrder', "'rgb' for non-RGB models", "'bgr'");
  }
  const identity = scale === 1 && !bgr && mean.every((m) => m === 0) && std.every((s) => s === 1);
  if (identity) return (images) => images;
  // Folding scale/mean/std into one multiply-add keeps the graph (and its gradient) two ops long.
  const multiplier = std.map((s) => scale / s);
  const offset = mean.map((m, index) => -m / (std[index] as number));
  return (images) =>
    tf.tidy(() => {
      const ordered = bgr ? tf.reverse(images, 3) : images;
      return tf.add(tf.mul(ordered, tf.tensor1d(multiplier)), tf.tensor1d(offset));
    });
}
