import { NetlensError } from '@netlens/backends';
import * as tf from '@tensorflow/tfjs-core';

/**
 * The initializers each built-in tfjs-layers class uses. A topology that leaves one out gets tfjs'
 * default initializer, which allocates whatever shape the config implies, so each is set explicitly;
 * only the keys a class accepts (SeparableConv2D refuses `kernel_initializer`).
 */
const KERNEL_AND_BIAS = ['kernel_initializer', 'bias_initializer'];
const RECURRENT = ['kernel_initializer', 'recurrent_initializer', 'bias_initializer'];
const NORMALIZATION = ['beta_initializer', 'gamma_initializer'];
const INITIALIZER_KEYS: Record<string, readonly string[]> = {
  Dense: KERNEL_AND_BIAS,
  Conv1D: KERNEL_AND_BIAS,
  Conv2D: KERNEL_AND_BIAS,
  Conv3D: KERNEL_AND_BIAS,
  Conv2DTranspose: KERNEL_AND_BIAS,
  Conv3DTranspose: KERNEL_AND_BIAS,
  DepthwiseConv2D: ['depthwise_initializer', 'bias_initializer'],
  SeparableConv1D: ['depthwise_initializer', 'pointwise_initializer', 'bias_initializer'],
  SeparableConv2D: ['depthwise_initializer', 'pointwise_initializer', 'bias_initializer'],
  BatchNormalization: [...NORMALIZATION, 'moving_mean_initializer', 'moving_variance_initializer'],
  LayerNormalization: NORMALIZATION,
  Embedding: ['embeddings_initializer'],
  PReLU: ['alpha_initializer'],
  SimpleRNN: RECURRENT,
  GRU: RECURRENT,
  LSTM: RECURRENT,
  ConvLSTM2D: RECURRENT,
  SimpleRNNCell: RECURRENT,
  GRUCell: RECURRENT,
  LSTMCell: RECURRENT,
  ConvLSTM2DCell: RECURRENT,
};

const INITIALIZER_CLASS = 'NetlensLoadInitializer';

interface Budget {
  /** Values (tensor elements) still allowed. */
  left: number;
  total: number;
  label: string;
}

/**
 * The budget of the build in progress. tfjs-layers builds every layer synchronously inside
 * `modelFromJSON`'s first step, and {@link buildWithinBudget} sets this just before that call and
 * clears it right after, so no other code can observe it.
 */
let activeBudget: Budget | undefined;

/**
 * Gives each weight zeros (the manifest's values replace them at once) after checking its shape
 * against the budget: a topology that implies more values than the manifest holds is refused at the
 * first weight that does not fit, before that weight is allocated.
 */
class LoadInitializer extends tf.serialization.Serializable {
  static className = INITIALIZER_CLASS;

  apply(shape: number[], dtype?: tf.DataType): tf.Tensor {
    const size = shape.reduce((product, dimension) => product * dimension, 1);
    const budget = activeBudget;
    if (budget !== undefined) {
      if (!(size <= budget.left)) {
        throw new NetlensError(
          'MODEL_LOAD',
          `The layers topology of ${budget.label} needs a weight of shape [${shape.join(', ')}] (${size} values), ` +
            `more than its weights manifest holds (${budget.total} values in all); refused before allocating it.`,
        );
      }
      budget.left -= size;
    }
    return tf.zeros(shape, dtype);
  }

  getConfig(): tf.serialization.ConfigDict {
    return {};
  }
}

let registered = false;

const isRecord = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/** A copy of `node` in which every layer config names the bounded initializer for every weight. */
function withBoundedInitializers(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withBoundedInitializers);
  if (!isRecord(node)) return node;
  const copy: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    copy[key] = /(_i|I)nitializer$/.test(key)
      ? { class_name: INITIALIZER_CLASS, config: {} }
      : withBoundedInitializers(value);
  }
  const keys = typeof copy.class_name === 'string' ? INITIALIZER_KEYS[copy.class_name] : undefined;
  if (keys && isRecord(copy.config)) {
    for (const key of keys) copy.config[key] ??= { class_name: INITIALIZER_CLASS, config: {} };
  }
  return copy;
}

/**
 * Builds a tfjs-layers model from an untrusted topology without letting it allocate more weight
 * values than `maxValues` (the manifest's total): tfjs-layers' own shape inference gives each weight
 * its shape, and a weight beyond the budget is refused before allocation. Covers every initializer a
 * topology names and the defaults of tfjs-layers' built-in weighted layers; a class unknown here
 * (a custom layer) keeps its own default initializer, and its shapes are checked against the manifest
 * only after it is built. A failed build frees the
 * variables it created (tfjs leaves a half-built model's variables registered).
 *
 * @param build - calls `modelFromJSON` with the topology it is given.
 */
export async function buildWithinBudget<T>(
  topology: unknown,
  maxValues: number,
  label: string,
  build: (topology: unknown) => Promise<T>,
): Promise<T> {
  if (!registered) {
    tf.serialization.registerClass(LoadInitializer);
    registered = true;
  }
  const bounded = withBoundedInitializers(topology);
  const variables = tf.engine().registeredVariables;
  const before = new Set(Object.keys(variables));
  let pending: Promise<T>;
  activeBudget = { left: maxValues, total: maxValues, label };
  try {
    pending = build(bounded);
  } finally {
    activeBudget = undefined;
  }
  const created = Object.keys(variables)
    .filter((name) => !before.has(name))
    .map((name) => variables[name] as tf.Variable);
  try {
    return await pending;
  } catch (error) {
    for (const variable of created) variable.dispose();
    throw error;
  }
}
