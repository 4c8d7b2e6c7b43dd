import * as tf from '@tensorflow/tfjs-core';
import {
  Conv2DBackpropFilter,
  Conv2DBackpropInput,
  FusedConv2D,
  type FusedConv2DAttrs,
  type GradConfig,
  type NamedAttrMap,
} from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from './errors';
import { type ActivationGradientRule, reluRuleBackward } from './internal/relu-backward';

/** The activations {@link fusedConv2d} applies inside the convolution. */
export type FusedConv2dActivation = 'linear' | 'relu';

/** Arguments of {@link fusedConv2d}: those of `tf.fused.conv2d` for NHWC, undilated convolutions. */
export interface FusedConv2dArgs {
  /** Images `[N, H, W, inChannels]`, float32. */
  x: tf.Tensor4D;
  /** Kernel `[fh, fw, inChannels, outChannels]` (HWIO). */
  filter: tf.Tensor4D;
  /** Bias `[outChannels]`, added before the activation. Default none. */
  bias?: tf.Tensor1D;
  /** Stride, one for both axes or `[height, width]`. Default 1. */
  strides?: number | readonly [number, number];
  /** `'valid'`, `'same'`, or this many zeros on every side. */
  pad: 'valid' | 'same' | number;
  /** Applied to `conv(x) + bias`. Default `'linear'`. */
  activation?: FusedConv2dActivation;
}

function explicitPadding(
  pad: number,
): [[number, number], [number, number], [number, number], [number, number]] {
  return [
    [0, 0],
    [pad, pad],
    [pad, pad],
    [0, 0],
  ];
}

function describe(tensor: unknown): string {
  return tensor instanceof tf.Tensor ? `${tensor.dtype} [${tensor.shape}]` : String(tensor);
}

/**
 * `activation(conv2d(x, filter) + bias)` as one `FusedConv2D` kernel, also under `tf.grad`.
 *
 * `tf.fused.conv2d` splits itself into `Conv2D`, `Add` and the activation whenever a gradient is
 * being taken with a non-linear activation, so every backward pass of a conv-relu network pays for
 * two extra full-size kernels per layer forward and three (`Step`, `Cast`, `Mul`) backward. This op
 * stays fused and differentiates through the gradient `@netlens/backends` registers for
 * `FusedConv2D`: the ReLU mask comes from the output (`y > 0` exactly when `conv + bias > 0`), and
 * only the gradients the tape asks for are computed (`x` alone for saliency maps, `filter` and
 * `bias` too for training). One class-visualization step on SqueezeNet runs about 310 kernels
 * instead of 470 (on wasm the time barely changes, the convolutions dominate there; on GPU backends
 * each kernel launch costs).
 *
 * ```ts
 * const h = fusedConv2d({ x, filter, bias, strides: 2, pad: 'valid', activation: 'relu' });
 * ```
 * @param args - the tensors and convolution attributes.
 * @returns `[N, outHeight, outWidth, outChannels]`.
 * @throws InvalidArgumentError naming the argument for wrong ranks, channel counts or bias size.
 */
export function fusedConv2d(args: FusedConv2dArgs): tf.Tensor4D {
  const { x, filter, bias, strides = 1, pad, activation = 'linear' } = args;
  if (!(x instanceof tf.Tensor) || x.rank !== 4 || x.dtype !== 'float32') {
    throw new InvalidArgumentError('x', 'a float32 tensor [N, H, W, C]', describe(x));
  }
  if (!(filter instanceof tf.Tensor) || filter.rank !== 4 || filter.shape[2] !== x.shape[3]) {
    throw new InvalidArgumentError(
      'filter',
      `a tensor [fh, fw, ${x.shape[3]}, outChannels] (HWIO, as many input channels as x)`,
      describe(filter),
    );
  }
  const outChannels = filter.shape[3];
  if (bias !== undefined && (!(bias instanceof tf.Tensor) || bias.rank !== 1 || bias.size !== outChannels)) {
    throw new InvalidArgumentError('bias', `a tensor [${outChannels}]`, describe(bias));
  }
  if (activation !== 'linear' && activation !== 'relu') {
    throw new InvalidArgumentError('activation', "'linear' or 'relu'", String(activation));
  }
  const inputs: tf.NamedTensorMap = bias === undefined ? { x, filter } : { x, filter, bias };
  const attrs = {
    strides: strides as number | [number, number],
    // tfjs sizes a numeric pad's output with the filter height and stride for both axes (wasm then
    // writes past the output for non-square filters or strides); explicit padding is sized per axis.
    pad: typeof pad === 'number' ? explicitPadding(pad) : pad,
    dataFormat: 'NHWC',
    dilations: [1, 1],
    activation,
    leakyreluAlpha: 0,
  } satisfies Partial<FusedConv2DAttrs>;
  return tf.engine().runKernel(FusedConv2D, inputs, attrs as unknown as NamedAttrMap) as tf.Tensor4D;
}

/**
 * The gradient of the `FusedConv2D` kernel for linear and ReLU activations, NHWC, no dilation
 * (what {@link fusedConv2d} runs), with the ReLU backpropagating by `rule` when one is given
 * (guided backprop, deconvnet: see `withActivationGradientRule`). tfjs-core registers none: its own
 * op differentiates through `customGrad` or falls back to unfused kernels, so this one is reached
 * only through {@link fusedConv2d} or other direct `runKernel` calls.
 *
 * Saved: `x`, `filter` and the output `y`. The bias gradient is `dy` summed over batch and space,
 * so a bias must be `[outChannels]`, as {@link fusedConv2d} requires.
 */
export function createFusedConv2dGradConfig(rule?: ActivationGradientRule): GradConfig {
  return {
    kernelName: FusedConv2D,
    inputsToSave: ['x', 'filter'],
    outputsToSave: [true],
    gradFunc: (dy, saved, attrs) => {
      const { activation, strides, pad, dataFormat, dilations, dimRoundingMode } =
        attrs as unknown as FusedConv2DAttrs;
      if (activation !== 'linear' && activation !== 'relu') {
        throw new Error(
          `The gradient of FusedConv2D is defined for linear and relu activations, not '${activation}'.`,
        );
      }
      const undilated = [dilations ?? 1].flat().every((rate) => rate === 1);
      if (!undilated || dataFormat !== 'NHWC') {
        throw new Error('The gradient of FusedConv2D is defined for NHWC data without dilation.');
      }
      const [x, filter, y] = saved as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
      // ReLU passes the gradient where its output is positive: y > 0 exactly when conv + bias > 0.
      let dyActive = dy as tf.Tensor4D;
      if (activation === 'relu') {
        dyActive = (
          rule === undefined ? tf.mul(dyActive, tf.step(y)) : reluRuleBackward(dyActive, tf.step(y), rule)
        ) as tf.Tensor4D;
      }
      const convAttrs = { strides, pad, dataFormat, dimRoundingMode };
      // The engine calls only the entries for inputs on the path to what is differentiated.
      return {
        x: () =>
          tf.engine().runKernel(Conv2DBackpropInput, { dy: dyActive, filter }, {
            ...convAttrs,
            inputShape: x.shape,
          } as unknown as NamedAttrMap) as tf.Tensor,
        filter: () =>
          tf.engine().runKernel(Conv2DBackpropFilter, { x, dy: dyActive }, {
            ...convAttrs,
            filterShape: filter.shape,
          } as unknown as NamedAttrMap) as tf.Tensor,
        bias: () => tf.sum(dyActive, [0, 1, 2]),
      };
    },
  };
}

/** The plain gradient of `FusedConv2D`, which `@netlens/backends` registers. */
export const fusedConv2dGradConfig: GradConfig = createFusedConv2dGradConfig();
