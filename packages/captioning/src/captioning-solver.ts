import { InvalidArgumentError, NetlensError, seededRandom } from '@netlens/backends';
import * as tf from '@tensorflow/tfjs-core';
import { CAPTIONING_PARAM_NAMES, type CaptioningModel, type CaptioningParamName } from './captioning-model';
import { assertIdsInRange, assertNonEmpty, assertNumber, assertShape } from './internal/validate';

/** Training (and optional validation) data: image features and their captions. */
export interface CaptioningData {
  /** `[N, D]` float32 image features. */
  trainFeatures: tf.Tensor2D;
  /** `[N, T]` int32 captions (`<START> … <END> <NULL>…`), `T ≥ 2`. */
  trainCaptions: tf.Tensor2D;
  /** `[M, D]` validation features; with `valCaptions`, the validation loss is measured each epoch. */
  valFeatures?: tf.Tensor2D;
  /** `[M, T']` validation captions. */
  valCaptions?: tf.Tensor2D;
}

/** What {@link CaptioningSolverOptions.onProgress} receives after each iteration. */
export interface CaptioningProgress {
  /** 1-based iteration. */
  iteration: number;
  /** Iterations in the whole run. */
  numIterations: number;
  /** 1-based epoch of this iteration. */
  epoch: number;
  /** This minibatch's loss. */
  loss: number;
  /** The learning rate used for this iteration. */
  learningRate: number;
  /** Validation loss, on the last iteration of an epoch when validation data is given. */
  valLoss?: number;
}

/** Options of {@link CaptioningSolver}. */
export interface CaptioningSolverOptions {
  /** `'adam'` (default, β₁ 0.9, β₂ 0.999, ε 1e-8 as in CS231n's `optim.py`) or `'sgd'`. */
  updateRule?: 'adam' | 'sgd';
  /** Initial learning rate. Default 5e-3 (CS231n's overfitting runs). */
  learningRate?: number;
  /** Factor applied to the learning rate after every epoch. Default 1 (no decay). */
  lrDecay?: number;
  /** Captions per minibatch. Default 25. */
  batchSize?: number;
  /** Epochs; an epoch is `max(⌊N / batchSize⌋, 1)` iterations. Default 10. */
  numEpochs?: number;
  /** Seed of the minibatch sampling. Default 0. */
  seed?: number;
  /**
   * Which backward pass computes gradients: `'explicit'` (default; the layer functions' backward
   * passes) or `'autodiff'` (tfjs autodiff).
   */
  gradients?: 'explicit' | 'autodiff';
  /** Called after every iteration. */
  onProgress?: (progress: CaptioningProgress) => void;
  /**
   * Saves the model after every `everyEpochs` epochs (default 1) through `handler(epoch)`, in the
   * tfjs weights format ({@link CaptioningModel.save}); {@link CaptioningModel.load} resumes from it.
   */
  checkpoint?: { everyEpochs?: number; handler: (epoch: number) => tf.io.IOHandler };
  /** Stops training between iterations with an `ABORTED` NetlensError. */
  signal?: AbortSignal;
}

/** What {@link CaptioningSolver.train} returns. */
export interface CaptioningTrainingResult {
  /** The loss of every iteration. */
  lossHistory: number[];
  /** The validation loss after every epoch (empty without validation data). */
  valLossHistory: number[];
}

const BETA1 = 0.9;
const BETA2 = 0.999;
const EPSILON = 1e-8;

/**
 * Trains a {@link CaptioningModel} as CS231n's `CaptioningSolver` does: each iteration draws a random
 * minibatch (with replacement, seeded), computes the loss and gradients, and updates every
 * parameter with Adam or SGD; the learning rate decays once per epoch.
 *
 * ```ts
 * const solver = new CaptioningSolver(model, { trainFeatures, trainCaptions }, {
 *   updateRule: 'adam', learningRate: 5e-3, lrDecay: 0.95, batchSize: 25, numEpochs: 50,
 *   onProgress: ({ iteration, loss }) => { if (iteration % 10 === 1) console.log(iteration, loss); },
 * });
 * const { lossHistory } = await solver.train();
 * ```
 * Sources: CS231n assignment 3, `captioning_solver.py` and `optim.py`; Kingma and Ba 2015, "Adam:
 * A Method for Stochastic Optimization".
 */
export class CaptioningSolver {
  private readonly model: CaptioningModel;
  private readonly data: CaptioningData;
  private readonly options: Required<Omit<CaptioningSolverOptions, 'onProgress' | 'checkpoint' | 'signal'>> &
    Pick<CaptioningSolverOptions, 'onProgress' | 'checkpoint' | 'signal'>;

  /**
   * @param model - the model to train (its parameters are updated in place).
   * @param data - training features and captions, optionally validation data.
   * @param options - update rule, learning rate and schedule, batching, callbacks.
   * @throws InvalidArgumentError for data that does not fit the model or invalid options.
   */
  constructor(model: CaptioningModel, data: CaptioningData, options: CaptioningSolverOptions = {}) {
    const {
      updateRule = 'adam',
      learningRate = 5e-3,
      lrDecay = 1,
      batchSize = 25,
      numEpochs = 10,
      seed = 0,
      gradients = 'explicit',
      onProgress,
      checkpoint,
      signal,
    } = options;
    if (updateRule !== 'adam' && updateRule !== 'sgd') {
      throw new InvalidArgumentError('options.updateRule', "'adam' or 'sgd'", String(updateRule));
    }
    if (gradients !== 'explicit' && gradients !== 'autodiff') {
      throw new InvalidArgumentError('options.gradients', "'explicit' or 'autodiff'", String(gradients));
    }
    assertNumber('options.learningRate', learningRate, { min: 0 });
    assertNumber('options.lrDecay', lrDecay, { min: 0 });
    assertNumber('options.batchSize', batchSize, { min: 1, integer: true });
    assertNumber('options.numEpochs', numEpochs, { min: 0, integer: true });
    assertNumber('options.seed', seed, { integer: true });
    if (checkpoint !== undefined) {
      if (typeof checkpoint.handler !== 'function') {
        throw new InvalidArgumentError(
          'options.checkpoint.handler',
          'a function (epoch) => IOHandler',
          typeof checkpoint.handler,
        );
      }
      assertNumber('options.checkpoint.everyEpochs', checkpoint.everyEpochs ?? 1, { min: 1, integer: true });
    }
    assertDataShapes(data, model, 'train');
    if ((data.valFeatures === undefined) !== (data.valCaptions === undefined)) {
      throw new InvalidArgumentError(
        'data.valCaptions',
        'both valFeatures and valCaptions, or neither',
        'only one',
      );
    }
    if (data.valFeatures !== undefined) assertDataShapes(data, model, 'val');
    this.model = model;
    this.data = data;
    this.options = {
      updateRule,
      learningRate,
      lrDecay,
      batchSize,
      numEpochs,
      seed,
      gradients,
      onProgress,
      checkpoint,
      signal,
    };
  }

  /**
   * Runs the whole schedule. Each iteration is one tidy step that keeps only the parameters and the
   * optimizer state; the loss is read back once per iteration.
   * @returns the loss of every iteration and the validation loss of every epoch.
   * @throws InvalidArgumentError when caption ids fall outside the vocabulary.
   * @throws NetlensError (`ABORTED`) when `options.signal` aborts.
   */
  async train(): Promise<CaptioningTrainingResult> {
    const { trainFeatures, trainCaptions, valFeatures, valCaptions } = this.data;
    const { updateRule, lrDecay, batchSize, numEpochs, seed, gradients, onProgress, checkpoint, signal } =
      this.options;
    await assertIdsInRange('data.trainCaptions', trainCaptions, this.model.vocabulary.size);
    if (valCaptions) await assertIdsInRange('data.valCaptions', valCaptions, this.model.vocabulary.size);
    const numTrain = trainFeatures.shape[0];
    const iterationsPerEpoch = Math.max(Math.floor(numTrain / batchSize), 1);
    const numIterations = numEpochs * iterationsPerEpoch;
    const random = seededRandom(seed);
    const params = this.model.params;
    const moments =
      updateRule === 'adam'
        ? CAPTIONING_PARAM_NAMES.map((name) => ({
            name,
            m: zerosVariable(params[name]),
            v: zerosVariable(params[name]),
          }))
        : [];
    const lossHistory: number[] = [];
    const valLossHistory: number[] = [];
    let learningRate = this.options.learningRate;
    try {
      for (let iteration = 1; iteration <= numIterations; iteration++) {
        if (signal?.aborted) throw new NetlensError('ABORTED', 'Captioning training was aborted.');
        const indices = Int32Array.from({ length: batchSize }, () => Math.floor(random() * numTrain));
        const loss = tf.tidy(() => {
          const batch = tf.tensor1d(indices, 'int32');
          const result = this.model.lossTensors(
            tf.gather(trainFeatures, batch),
            tf.gather(trainCaptions, batch),
            { gradients },
          );
          update(params, result.grads, moments, learningRate, iteration);
          return result.loss;
        });
        const value = (await loss.data())[0] as number;
        loss.dispose();
        lossHistory.push(value);
        const epoch = Math.ceil(iteration / iterationsPerEpoch);
        const progress: CaptioningProgress = { iteration, numIterations, epoch, loss: value, learningRate };
        if (iteration % iterationsPerEpoch === 0) {
          learningRate *= lrDecay;
          if (valFeatures && valCaptions) {
            progress.valLoss = await forwardLoss(this.model, valFeatures, valCaptions);
            valLossHistory.push(progress.valLoss);
          }
          if (checkpoint && epoch % (checkpoint.everyEpochs ?? 1) === 0) {
            await this.model.save(checkpoint.handler(epoch));
          }
        }
        onProgress?.(progress);
      }
    } finally {
      for (const { m, v } of moments) tf.dispose([m, v]);
    }
    return { lossHistory, valLossHistory };
  }
}

function zerosVariable(like: tf.Tensor): tf.Variable {
  const zeros = tf.zerosLike(like);
  const variable = tf.variable(zeros, false);
  zeros.dispose();
  return variable;
}

function assertDataShapes(data: CaptioningData, model: CaptioningModel, split: 'train' | 'val'): void {
  const featuresName = `data.${split}Features`;
  const captionsName = `data.${split}Captions`;
  const features = split === 'train' ? data?.trainFeatures : data.valFeatures;
  const captions = split === 'train' ? data?.trainCaptions : data.valCaptions;
  assertShape(featuresName, features, [null, model.inputDim], ['N', 'D'], 'float32');
  assertNonEmpty(featuresName, features);
  assertShape(captionsName, captions, [features.shape[0] as number, null], ['N', 'T'], 'int32');
  if ((captions.shape[1] as number) < 2) {
    throw new InvalidArgumentError(
      captionsName,
      'at least two ids per caption (T ≥ 2)',
      `T = ${captions.shape[1]}`,
    );
  }
}

/** One Adam or SGD update of every parameter (CS231n's `optim.py`), inside the caller's tidy. */
function update(
  params: Readonly<Record<CaptioningParamName, tf.Variable>>,
  grads: Record<CaptioningParamName, tf.Tensor>,
  moments: { name: CaptioningParamName; m: tf.Variable; v: tf.Variable }[],
  learningRate: number,
  step: number,
): void {
  if (moments.length === 0) {
    for (const name of CAPTIONING_PARAM_NAMES)
      params[name].assign(tf.sub(params[name], tf.mul(grads[name], learningRate)));
    return;
  }
  // CS231n's update: w −= lr · m̂ / (√v̂ + ε) with bias-corrected moments m̂, v̂.
  const correction1 = 1 - BETA1 ** step;
  const correction2 = 1 - BETA2 ** step;
  for (const { name, m, v } of moments) {
    const grad = grads[name];
    m.assign(tf.add(tf.mul(m, BETA1), tf.mul(grad, 1 - BETA1)));
    v.assign(tf.add(tf.mul(v, BETA2), tf.mul(tf.square(grad), 1 - BETA2)));
    const mHat = tf.div(m, correction1);
    const vHat = tf.div(v, correction2);
    params[name].assign(
      tf.sub(params[name], tf.div(tf.mul(mHat, learningRate), tf.add(tf.sqrt(vHat), EPSILON))),
    );
  }
}

/** CS231n's loss without gradients: `−Σ mask·log p / N` from {@link CaptioningModel.scoreWords}. */
async function forwardLoss(
  model: CaptioningModel,
  features: tf.Tensor2D,
  captions: tf.Tensor2D,
): Promise<number> {
  const loss = tf.tidy(() => {
    const [n, t] = captions.shape;
    const mask = tf.cast(
      tf.notEqual(tf.slice(captions, [0, 1], [n, t - 1]), model.vocabulary.nullId),
      'float32',
    );
    return tf.div(tf.neg(tf.sum(tf.mul(model.scoreWords(features, captions), mask))), n);
  });
  const value = (await loss.data())[0] as number;
  loss.dispose();
  return value;
}
