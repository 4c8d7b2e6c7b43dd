import { InvalidArgumentError } from '@netlens/backends';
import * as tf from '@tensorflow/tfjs-core';

/** The model outputs an objective reads: the logits and the activations of the layers it named. */
export interface ObjectiveInputs {
  /** `[N, numClasses]` logits, present when the objective (or one of its parts) uses them. */
  logits?: tf.Tensor2D;
  /** Layer outputs by name, `[N, H, W, C]` or `[N, C]`. */
  activations: Readonly<Record<string, tf.Tensor>>;
}

/**
 * A differentiable quantity to maximise, one value per image of the batch. Build one with
 * {@link classLogit}, {@link channel}, {@link neuron}, {@link direction}, {@link diversity} and
 * combine them with {@link sumObjectives}, {@link subtractObjectives} and {@link scaleObjective}
 * (Lucid's `objectives` and its `+`, `-`, `*`).
 *
 * ```ts
 * const objective = sumObjectives(channel('conv2', 3), scaleObjective(diversity('conv1'), 0.5));
 * ```
 */
export interface Objective {
  /** A readable description, e.g. `channel(conv2, 3)`. */
  readonly description: string;
  /** Layers whose activations `evaluate` reads. */
  readonly layers: readonly string[];
  /** Whether `evaluate` reads the logits. */
  readonly usesLogits: boolean;
  /**
   * Checks indices against the model once its outputs are known; throws `InvalidArgumentError`.
   * @param shapes - the shape of each layer in `layers`, and `logits`.
   */
  validate(shapes: Readonly<Record<string, readonly number[]>>): void;
  /** The objective of each image, `[N]`, differentiable with respect to the inputs. */
  evaluate(inputs: ObjectiveInputs): tf.Tensor1D;
}

function assertIndex(value: unknown, argument: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new InvalidArgumentError(argument, 'a non-negative integer', String(value));
  }
  return value;
}

function assertLayer(layer: unknown, argument: string): string {
  if (typeof layer !== 'string' || layer.length === 0) {
    throw new InvalidArgumentError(argument, 'a layer name', String(layer));
  }
  return layer;
}

function assertIndexBelow(index: number, limit: number | undefined, argument: string, what: string): void {
  if (limit === undefined || index >= limit) {
    throw new InvalidArgumentError(argument, `${what} in [0, ${(limit ?? 0) - 1}]`, String(index));
  }
}

function activationOf(inputs: ObjectiveInputs, layer: string): tf.Tensor {
  const value = inputs.activations[layer];
  if (!value) throw new InvalidArgumentError('objective', `activations of layer '${layer}'`, 'none');
  return value;
}

/**
 * The raw score (logit) of one class, Lucid's `class_logit` and CS231n's `s_y`.
 *
 * ```ts
 * const { images } = await visualizeFeature(classifier, classLogit(7));
 * ```
 * @param classIndex - the class, in `[0, numClasses)`.
 * @returns an objective worth `logits[:, classIndex]`.
 */
export function classLogit(classIndex: number): Objective {
  const index = assertIndex(classIndex, 'classIndex');
  return {
    description: `classLogit(${index})`,
    layers: [],
    usesLogits: true,
    validate(shapes) {
      assertIndexBelow(index, shapes.logits?.[1], 'classIndex', 'a class index');
    },
    evaluate: ({ logits }) =>
      tf.tidy(() => tf.reshape(tf.slice(logits as tf.Tensor2D, [0, index], [-1, 1]), [-1]) as tf.Tensor1D),
  };
}

/**
 * The mean activation of one channel of a layer over all positions, Lucid's `channel` (for a
 * dense layer `[N, C]`, the unit itself).
 *
 * ```ts
 * const atlas = await visualizeFeature(classifier, [channel('conv2', 0), channel('conv2', 1)]);
 * ```
 * @param layer - a name from `model.layerNames`.
 * @param index - the channel, in `[0, C)`.
 * @returns an objective worth `mean(activation[:, …, index])`.
 */
export function channel(layer: string, index: number): Objective {
  const name = assertLayer(layer, 'layer');
  const channelIndex = assertIndex(index, 'index');
  return {
    description: `channel(${name}, ${channelIndex})`,
    layers: [name],
    usesLogits: false,
    validate(shapes) {
      assertIndexBelow(channelIndex, shapes[name]?.at(-1), 'index', `a channel of '${name}'`);
    },
    evaluate: (inputs) =>
      tf.tidy(() => {
        const activation = activationOf(inputs, name);
        const last = activation.rank - 1;
        const begin = activation.shape.map((_, axis) => (axis === last ? channelIndex : 0));
        const size = activation.shape.map((_, axis) => (axis === last ? 1 : -1));
        const picked = tf.slice(activation, begin, size);
        return tf.reshape(
          tf.mean(tf.reshape(picked, [activation.shape[0] as number, -1]), 1),
          [-1],
        ) as tf.Tensor1D;
      }),
  };
}

/**
 * One unit: channel `index` of a layer at one spatial position, by default the centre (Lucid's
 * `neuron`, which takes `H // 2, W // 2`). For a dense layer it equals {@link channel}.
 *
 * ```ts
 * const { images } = await visualizeFeature(classifier, neuron('conv1', 5, { x: 3, y: 3 }));
 * ```
 * @param layer - a name from `model.layerNames`.
 * @param index - the channel, in `[0, C)`.
 * @param position - `{ x, y }` in the layer's grid. Default the centre.
 * @returns an objective worth `activation[:, y, x, index]`.
 */
export function neuron(layer: string, index: number, position?: { x: number; y: number }): Objective {
  const name = assertLayer(layer, 'layer');
  const channelIndex = assertIndex(index, 'index');
  if (position !== undefined) {
    assertIndex(position?.x, 'position.x');
    assertIndex(position?.y, 'position.y');
  }
  const where = (shape: readonly number[]) =>
    position ?? { x: Math.floor((shape[2] as number) / 2), y: Math.floor((shape[1] as number) / 2) };
  return {
    description: `neuron(${name}, ${channelIndex}${position ? `, ${position.x}, ${position.y}` : ''})`,
    layers: [name],
    usesLogits: false,
    validate(shapes) {
      const shape = shapes[name] as readonly number[];
      assertIndexBelow(channelIndex, shape?.at(-1), 'index', `a channel of '${name}'`);
      if (shape.length === 4) {
        const { x, y } = where(shape);
        assertIndexBelow(x, shape[2], 'position.x', `a column of '${name}'`);
        assertIndexBelow(y, shape[1], 'position.y', `a row of '${name}'`);
      } else if (position !== undefined) {
        throw new InvalidArgumentError(
          'position',
          `no position: '${name}' has no spatial axes`,
          JSON.stringify(position),
        );
      }
    },
    evaluate: (inputs) =>
      tf.tidy(() => {
        const activation = activationOf(inputs, name);
        if (activation.rank !== 4) {
          return tf.reshape(tf.slice(activation, [0, channelIndex], [-1, 1]), [-1]) as tf.Tensor1D;
        }
        const { x, y } = where(activation.shape);
        return tf.reshape(tf.slice(activation, [0, y, x, channelIndex], [-1, 1, 1, 1]), [-1]) as tf.Tensor1D;
      }),
  };
}

/**
 * The activation of a layer projected on a direction of its channel space, averaged over positions:
 * Lucid's `direction` (`mean(activation · vector)`), for feature directions found by
 * factorisation, CAVs or differences of mean activations.
 *
 * ```ts
 * const objective = direction('conv2', Array.from({ length: 32 }, (_, c) => (c === 3 ? 1 : -0.1)));
 * ```
 * @param layer - a name from `model.layerNames`.
 * @param vector - one weight per channel of the layer.
 * @returns an objective worth `mean over positions of Σ_c activation[…, c] · vector[c]`.
 */
export function direction(layer: string, vector: readonly number[]): Objective {
  const name = assertLayer(layer, 'layer');
  if (!Array.isArray(vector) || vector.length === 0 || vector.some((value) => !Number.isFinite(value))) {
    throw new InvalidArgumentError('vector', 'a non-empty array of finite numbers', String(vector));
  }
  const weights = Float32Array.from(vector);
  return {
    description: `direction(${name}, [${vector.length}])`,
    layers: [name],
    usesLogits: false,
    validate(shapes) {
      const channels = shapes[name]?.at(-1);
      if (channels !== weights.length) {
        throw new InvalidArgumentError(
          'vector',
          `${channels} weights (one per channel of '${name}')`,
          `${weights.length}`,
        );
      }
    },
    evaluate: (inputs) =>
      tf.tidy(() => {
        const activation = activationOf(inputs, name);
        const projected = tf.sum(tf.mul(activation, tf.tensor1d(weights)), -1);
        return tf.mean(tf.reshape(projected, [activation.shape[0] as number, -1]), 1) as tf.Tensor1D;
      }),
  };
}

/**
 * Lucid's diversity term: minus the mean cosine similarity between each image's Gram matrix of
 * a layer and the other images' (`-Σ_{i≠j} cos(G_i, G_j) / N`, split per image). Added to an
 * objective replicated over a batch (`batchSize > 1`), it pushes the copies towards different
 * facets of the same feature.
 *
 * ```ts
 * const objective = sumObjectives(channel('conv2', 3), scaleObjective(diversity('conv1'), 10));
 * const { images } = await visualizeFeature(classifier, objective, { batchSize: 4 });
 * ```
 * Sources: Olah, Mordvintsev and Schubert 2017, "Feature Visualization" (Distill).
 * @param layer - a name from `model.layerNames`, with spatial axes `[N, H, W, C]`.
 * @returns an objective worth `-Σ_{j≠i} cos(G_i, G_j) / N` for image `i` (0 for a batch of one).
 */
export function diversity(layer: string): Objective {
  const name = assertLayer(layer, 'layer');
  return {
    description: `diversity(${name})`,
    layers: [name],
    usesLogits: false,
    validate(shapes) {
      if (shapes[name]?.length !== 4) {
        throw new InvalidArgumentError('layer', `a layer with spatial axes [N, H, W, C]`, `'${name}'`);
      }
    },
    evaluate: (inputs) =>
      tf.tidy(() => {
        const activation = activationOf(inputs, name);
        const [batch, height, width, channels] = activation.shape as number[];
        const flat = tf.reshape(activation, [
          batch as number,
          (height as number) * (width as number),
          channels as number,
        ]);
        const gram = tf.reshape(tf.matMul(flat, flat, true, false), [batch as number, -1]);
        // Unit Gram vectors; the small constant keeps an all-zero Gram matrix differentiable.
        const unit = tf.div(gram, tf.add(tf.norm(gram, 'euclidean', 1, true), 1e-8));
        const similarity = tf.matMul(unit, unit, false, true);
        const others = tf.sub(tf.sum(similarity, 1), tf.sum(tf.mul(unit, unit), 1));
        return tf.div(tf.neg(others), batch as number) as tf.Tensor1D;
      }),
  };
}

function combine(
  parts: readonly Objective[],
  description: string,
  evaluate: (values: tf.Tensor1D[]) => tf.Tensor1D,
): Objective {
  return {
    description,
    layers: [...new Set(parts.flatMap((part) => part.layers))],
    usesLogits: parts.some((part) => part.usesLogits),
    validate: (shapes) => {
      for (const part of parts) part.validate(shapes);
    },
    evaluate: (inputs) => tf.tidy(() => evaluate(parts.map((part) => part.evaluate(inputs)))),
  };
}

function assertObjective(value: unknown, argument: string): Objective {
  const candidate = value as Partial<Objective> | null;
  if (typeof candidate !== 'object' || candidate === null || typeof candidate.evaluate !== 'function') {
    throw new InvalidArgumentError(argument, 'an Objective (classLogit, channel, neuron, …)', String(value));
  }
  return value as Objective;
}

/**
 * The sum of objectives (Lucid's `a + b`).
 *
 * ```ts
 * const both = sumObjectives(channel('conv2', 3), channel('conv2', 7));
 * ```
 * @param objectives - one or more objectives.
 * @returns an objective worth their sum.
 */
export function sumObjectives(...objectives: Objective[]): Objective {
  if (objectives.length === 0) throw new InvalidArgumentError('objectives', 'at least one objective', 'none');
  for (const [index, objective] of objectives.entries()) assertObjective(objective, `objectives[${index}]`);
  return combine(objectives, objectives.map((part) => part.description).join(' + '), (values) =>
    values.length === 1 ? (values[0] as tf.Tensor1D) : (tf.addN(values) as tf.Tensor1D),
  );
}

/**
 * The difference of two objectives (Lucid's `a - b`): e.g. what a class has that another lacks.
 *
 * ```ts
 * const threeNotEight = subtractObjectives(classLogit(3), classLogit(8));
 * ```
 * @param minuend - maximised.
 * @param subtrahend - minimised.
 * @returns an objective worth `minuend − subtrahend`.
 */
export function subtractObjectives(minuend: Objective, subtrahend: Objective): Objective {
  assertObjective(minuend, 'minuend');
  assertObjective(subtrahend, 'subtrahend');
  return combine([minuend, subtrahend], `${minuend.description} - (${subtrahend.description})`, ([a, b]) =>
    tf.sub(a as tf.Tensor1D, b as tf.Tensor1D),
  );
}

/**
 * An objective times a constant (Lucid's `k * a`), to weight the parts of a sum.
 *
 * ```ts
 * const weighted = sumObjectives(channel('conv2', 3), scaleObjective(diversity('conv1'), 0.1));
 * ```
 * @param objective - the objective.
 * @param factor - a finite number.
 * @returns an objective worth `factor · objective`.
 */
export function scaleObjective(objective: Objective, factor: number): Objective {
  assertObjective(objective, 'objective');
  if (typeof factor !== 'number' || !Number.isFinite(factor)) {
    throw new InvalidArgumentError('factor', 'a finite number', String(factor));
  }
  return combine([objective], `${factor} * (${objective.description})`, ([value]) =>
    tf.mul(value as tf.Tensor1D, factor),
  );
}
