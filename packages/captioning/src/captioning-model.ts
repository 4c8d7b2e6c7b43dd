import { InvalidArgumentError } from '@netlens/backends';
import * as tf from '@tensorflow/tfjs-core';
import { assertFiniteFeatures, assertSignal, throwIfAborted } from './internal/abort';
import { type BeamHypothesis, beamDecode } from './internal/beam-search';
import { type CaptioningParams, type CellType, captionScores, GATES, PARAM_NAMES } from './internal/forward';
import { greedyDecode } from './internal/greedy';
import { seededNormal } from './internal/init';
import { autodiffLoss, explicitLoss } from './internal/model-loss';
import { assertIdsInRange, assertNonEmpty, assertNumber, assertShape } from './internal/validate';
import { Vocabulary } from './vocabulary';

export type { CellType } from './internal/forward';

/** CS231n's parameter names. */
export type CaptioningParamName = keyof CaptioningParams;

/** Every parameter name, in a fixed order (the order of saved weights): `W_proj`, `b_proj`, `W_embed`, `Wx`, `Wh`, `b`, `W_vocab`, `b_vocab`. */
export const CAPTIONING_PARAM_NAMES: readonly CaptioningParamName[] = PARAM_NAMES;

/** A gradient for every parameter, by name. */
export type CaptioningGradients = Record<CaptioningParamName, tf.Tensor>;

/** Options of {@link CaptioningModel}. */
export interface CaptioningModelOptions {
  /** `'rnn'` (tanh), `'lstm'` (gates i, f, o, g) or `'gru'` (gates r, z, n). */
  cellType: CellType;
  /** The words; its size is CS231n's `V`. */
  vocabulary: Vocabulary;
  /** Size `D` of the image features. */
  inputDim: number;
  /** Size `W` of the word vectors. Default 128 (CS231n). */
  wordvecDim?: number;
  /** Size `H` of the hidden state. Default 128 (CS231n). */
  hiddenDim?: number;
  /** Seed of the initial weights. Default 0. */
  seed?: number;
}

/** Options of {@link CaptioningModel.loss}. */
export interface CaptioningLossOptions {
  /**
   * `'explicit'` (default) runs the layer functions' backward passes, as CS231n does; `'autodiff'` lets
   * tfjs differentiate the forward pass (`tf.valueAndGrads`). Both give the same gradients.
   */
  gradients?: 'explicit' | 'autodiff';
}

/** Options of {@link CaptioningModel.beamSearch}. */
export interface BeamSearchOptions {
  /** Captions kept per image at each step. Default 3; 1 is greedy decoding. */
  beamWidth?: number;
  /**
   * Exponent α of GNMT's length penalty `((5 + length) / 6)^α`, which divides each finished caption's
   * log-probability. Default 0 (rank by total log-probability); larger values favour longer captions.
   */
  lengthPenalty?: number;
  /** Most words per caption, `<END>` included, at most {@link MAX_CAPTION_LENGTH}. Default 30. */
  maxLength?: number;
  /** Stops the search between steps with a `NetlensError` (`ABORTED`); no tensor is left behind. */
  signal?: AbortSignal;
}

/** Options of {@link CaptioningModel.sample}. */
export interface SampleOptions {
  /** Stops decoding between steps with a `NetlensError` (`ABORTED`); no tensor is left behind. */
  signal?: AbortSignal;
}

/**
 * Largest `maxLength` that {@link CaptioningModel.sample} and {@link CaptioningModel.beamSearch}
 * accept: 1000 words, fifty times CS231n's longest COCO caption (17 ids) and thirty times its
 * default of 30, so that a mistyped length (`1e7`) is refused instead of running for hours.
 */
export const MAX_CAPTION_LENGTH = 1000;

/** The configuration saved with the weights (the `modelTopology` of the tfjs artifacts). */
export interface CaptioningModelTopology {
  format: 'netlens-captioning';
  version: 1;
  cellType: CellType;
  inputDim: number;
  wordvecDim: number;
  hiddenDim: number;
  idxToWord: string[];
}

const CELL_TYPES: readonly CellType[] = ['rnn', 'lstm', 'gru'];

/**
 * An image captioner with CS231n's `CaptioningRNN` architecture and parameter names: image features
 * give the initial hidden state (`h0 = features·W_proj + b_proj`), words are embedded with `W_embed`,
 * a recurrent cell (`Wx`, `Wh`, `b`) reads them, and `W_vocab`, `b_vocab` score the next word.
 *
 * ```ts
 * const vocabulary = new Vocabulary(['a', 'red', 'seven']);
 * const model = new CaptioningModel({ cellType: 'lstm', vocabulary, inputDim: 512 });
 * const { loss, grads } = await model.loss(features, captions); // captions: int32 [N, T]
 * tf.dispose(grads);
 * const ids = await model.sample(features); // greedy, 30 words
 * console.log(ids.map((row) => vocabulary.decode(row)));
 * model.dispose();
 * ```
 * Sources: CS231n assignment 3, `CaptioningRNN`; Vinyals et al. 2015, "Show and Tell: A Neural
 * Image Caption Generator"; Karpathy and Fei-Fei 2015, "Deep Visual-Semantic Alignments for
 * Generating Image Descriptions".
 */
export class CaptioningModel {
  /** The recurrent cell. */
  readonly cellType: CellType;
  /** The words the model reads and writes. */
  readonly vocabulary: Vocabulary;
  /** Size `D` of the image features. */
  readonly inputDim: number;
  /** Size `W` of the word vectors. */
  readonly wordvecDim: number;
  /** Size `H` of the hidden state. */
  readonly hiddenDim: number;
  /**
   * The parameters by CS231n name: `W_proj [D, H]`, `b_proj [H]`, `W_embed [V, W]`, `Wx [W, G·H]`,
   * `Wh [H, G·H]`, `b [G·H]`, `W_vocab [H, V]`, `b_vocab [V]` with `G` = 1 (rnn), 4 (lstm), 3 (gru).
   * Owned by the model; change them with {@link CaptioningModel.setParam} or `assign`.
   */
  readonly params: Readonly<Record<CaptioningParamName, tf.Variable>>;

  /**
   * Initialises the weights as CS231n does: `W_proj`, `Wx`, `Wh`, `W_vocab` normal / √fan-in,
   * `W_embed` normal / 100, biases zero (seeded, identical on every backend).
   * @param options - cell, vocabulary and sizes.
   * @throws InvalidArgumentError for invalid options.
   */
  constructor(options: CaptioningModelOptions) {
    const { cellType, vocabulary, inputDim, wordvecDim = 128, hiddenDim = 128, seed = 0 } = options ?? {};
    if (!CELL_TYPES.includes(cellType)) {
      throw new InvalidArgumentError('options.cellType', "'rnn', 'lstm' or 'gru'", String(cellType));
    }
    if (!(vocabulary instanceof Vocabulary)) {
      throw new InvalidArgumentError('options.vocabulary', 'a Vocabulary', typeof vocabulary);
    }
    assertNumber('options.inputDim', inputDim, { min: 1, integer: true });
    assertNumber('options.wordvecDim', wordvecDim, { min: 1, integer: true });
    assertNumber('options.hiddenDim', hiddenDim, { min: 1, integer: true });
    assertNumber('options.seed', seed, { integer: true });
    this.cellType = cellType;
    this.vocabulary = vocabulary;
    this.inputDim = inputDim;
    this.wordvecDim = wordvecDim;
    this.hiddenDim = hiddenDim;
    const gates = GATES[cellType];
    const V = vocabulary.size;
    const variable = (initial: tf.Tensor) => {
      const result = tf.variable(initial);
      initial.dispose();
      return result;
    };
    const normal = (shape: number[], scale: number, offset: number) =>
      variable(tf.tensor(seededNormal(shape[0]! * shape[1]!, seed * 8 + offset, scale), shape, 'float32'));
    const zeros = (size: number) => variable(tf.zeros([size], 'float32'));
    this.params = Object.freeze({
      W_proj: normal([inputDim, hiddenDim], 1 / Math.sqrt(inputDim), 0),
      b_proj: zeros(hiddenDim),
      W_embed: normal([V, wordvecDim], 1 / 100, 1),
      Wx: normal([wordvecDim, gates * hiddenDim], 1 / Math.sqrt(wordvecDim), 2),
      Wh: normal([hiddenDim, gates * hiddenDim], 1 / Math.sqrt(hiddenDim), 3),
      b: zeros(gates * hiddenDim),
      W_vocab: normal([hiddenDim, V], 1 / Math.sqrt(hiddenDim), 4),
      b_vocab: zeros(V),
    });
  }

  /** The shape of a parameter. */
  paramShape(name: CaptioningParamName): number[] {
    return [...this.variable(name).shape];
  }

  /**
   * Sets one parameter, as CS231n's `model.params[name] = value`.
   *
   * ```ts
   * model.setParam('Wh', new Float32Array(H * 4 * H).fill(0.01));
   * ```
   * @param name - a CS231n parameter name.
   * @param values - a tensor of the parameter's shape, or its values in row-major order.
   * @throws InvalidArgumentError for an unknown name or a wrong shape or size.
   */
  setParam(name: CaptioningParamName, values: tf.Tensor | ArrayLike<number>): void {
    const variable = this.variable(name);
    if (values instanceof tf.Tensor) {
      assertShape(`values (${name})`, values, variable.shape, variable.shape.map(String));
      tf.tidy(() => variable.assign(tf.cast(values, 'float32')));
      return;
    }
    if (values === null || typeof values !== 'object' || typeof values.length !== 'number') {
      throw new InvalidArgumentError(`values (${name})`, 'a tensor or an array of numbers', typeof values);
    }
    if (values.length !== variable.size) {
      throw new InvalidArgumentError(`values (${name})`, `${variable.size} numbers`, `${values.length}`);
    }
    tf.tidy(() => variable.assign(tf.tensor(Float32Array.from(values), variable.shape, 'float32')));
  }

  /**
   * A copy of one parameter.
   * @param name - a CS231n parameter name.
   * @returns a new tensor; the caller disposes it.
   */
  getParam(name: CaptioningParamName): tf.Tensor {
    return tf.clone(this.variable(name));
  }

  /**
   * CS231n's training loss and its gradient for every parameter. With `captionsIn = captions[:, :-1]`
   * and `captionsOut = captions[:, 1:]`: the softmax cross-entropy of `captionsOut` given
   * `captionsIn`, summed over the positions where `captionsOut ≠ <NULL>` and divided by `N`.
   *
   * ```ts
   * const { loss, grads } = await model.loss(features, captions);
   * grads.W_vocab.print();
   * tf.dispose(grads);
   * ```
   * Sources: CS231n assignment 3, `CaptioningRNN.loss`.
   * @param features - `[N, D]` float32 image features.
   * @param captions - `[N, T]` int32 word ids, `T ≥ 2`, usually `<START> … <END> <NULL>…`.
   * @param options - which backward pass computes the gradients.
   * @returns the loss and the gradients (the caller disposes them).
   * @throws InvalidArgumentError for an empty batch, feature or caption shapes that do not match the
   * model, or ids outside the vocabulary.
   */
  async loss(
    features: tf.Tensor2D,
    captions: tf.Tensor2D,
    options: CaptioningLossOptions = {},
  ): Promise<{ loss: number; grads: CaptioningGradients }> {
    this.assertBatch(features, captions);
    await assertIdsInRange('captions', captions, this.vocabulary.size);
    const { loss, grads } = this.lossTensors(features, captions, options);
    try {
      return { loss: (await loss.data())[0] as number, grads };
    } catch (error) {
      tf.dispose(grads);
      throw error;
    } finally {
      loss.dispose();
    }
  }

  /**
   * {@link CaptioningModel.loss} without reading anything back: the loss stays a scalar tensor, and
   * caption ids are not checked against the vocabulary (the solver checks its data once). Shapes are
   * still checked.
   * @param features - `[N, D]` float32.
   * @param captions - `[N, T]` int32, ids in `[0, V)`.
   * @param options - which backward pass computes the gradients.
   * @returns the scalar loss and the gradients; the caller disposes them.
   */
  lossTensors(
    features: tf.Tensor2D,
    captions: tf.Tensor2D,
    options: CaptioningLossOptions = {},
  ): { loss: tf.Scalar; grads: CaptioningGradients } {
    const { gradients = 'explicit' } = options;
    if (gradients !== 'explicit' && gradients !== 'autodiff') {
      throw new InvalidArgumentError('options.gradients', "'explicit' or 'autodiff'", String(gradients));
    }
    this.assertBatch(features, captions);
    const loss = gradients === 'explicit' ? explicitLoss : autodiffLoss;
    return loss(this.cellType, this.tensors(), features, captions, this.vocabulary.nullId);
  }

  /**
   * The log-probability the model gives each next word of `captions`: `out[n, t] =
   * log p(captions[n, t + 1] | captions[n, ≤ t], image n)`. Differentiable with respect to
   * `features` (and the parameters), so one word's score can be handed to a saliency method as a
   * score function.
   *
   * ```ts
   * const scoreOfWord3 = (features: tf.Tensor2D) =>
   *   tf.squeeze(tf.slice(model.scoreWords(features, captions), [0, 3], [-1, 1]), [1]);
   * const saliency = tf.grad((f) => tf.sum(scoreOfWord3(f as tf.Tensor2D)))(features);
   * ```
   * @param features - `[N, D]` float32.
   * @param captions - `[N, T]` int32 ids in `[0, V)`, `T ≥ 2` (not read back, so not range-checked).
   * @returns `[N, T − 1]` log-probabilities; the caller disposes it.
   * @throws InvalidArgumentError for mismatched shapes or an empty batch.
   */
  scoreWords(features: tf.Tensor2D, captions: tf.Tensor2D): tf.Tensor2D {
    this.assertBatch(features, captions);
    return tf.tidy(() => {
      const [n, t] = captions.shape;
      const captionsIn = tf.slice(captions, [0, 0], [n, t - 1]);
      const captionsOut = tf.slice(captions, [0, 1], [n, t - 1]);
      const scores = captionScores(this.cellType, this.tensors(), features, captionsIn);
      const logProbabilities = tf.logSoftmax(scores);
      return tf.sum(tf.mul(logProbabilities, tf.oneHot(captionsOut, this.vocabulary.size)), 2) as tf.Tensor2D;
    });
  }

  /**
   * Greedy decoding, as CS231n's `sample`: from `<START>`, feed back the highest-scoring word at each
   * step, for `maxLength` steps (words after `<END>` are produced too; {@link Vocabulary.decode} stops
   * at `<END>`).
   *
   * ```ts
   * const ids = await model.sample(features, 16);
   * const captions = ids.map((row) => model.vocabulary.decode(row));
   * ```
   * @param features - `[N, D]` float32, finite.
   * @param maxLength - steps, at most {@link MAX_CAPTION_LENGTH}. Default 30.
   * @param options - `signal` to stop between steps.
   * @returns `N` rows of `maxLength` word ids.
   * @throws InvalidArgumentError for wrong or non-finite features, a `maxLength` out of range, or a
   * vocabulary without `<START>`.
   * @throws NetlensError (`ABORTED`) when `options.signal` aborts.
   */
  async sample(features: tf.Tensor2D, maxLength = 30, options: SampleOptions = {}): Promise<number[][]> {
    this.assertFeatures(features);
    assertNumber('maxLength', maxLength, { min: 0, max: MAX_CAPTION_LENGTH, integer: true });
    const { signal } = options ?? {};
    assertSignal(signal, 'options.signal');
    this.assertStart();
    throwIfAborted(signal, 'Caption sampling');
    await assertFiniteFeatures('features', features);
    return greedyDecode(this.cellType, this.tensors(), features, this.vocabulary.startId, maxLength, signal);
  }

  /**
   * Beam search: keeps the `beamWidth` most probable partial captions of each image, sets aside those
   * that reach `<END>`, and returns the best finished caption by log-probability divided by GNMT's
   * length penalty. `beamWidth: 1` gives the greedy caption. A wider beam usually, but not always,
   * finds a more probable caption than greedy decoding.
   *
   * ```ts
   * const ids = await model.beamSearch(features, { beamWidth: 5, lengthPenalty: 0.6 });
   * ```
   * Sources: Vinyals et al. 2015, "Show and Tell" (beam size 20 → 3); Wu et al. 2016, "Google's
   * Neural Machine Translation System" (length penalty).
   * @param features - `[N, D]` float32.
   * @param options - beam width, length penalty, maximum length, abort signal.
   * @returns for each image, its caption's word ids, ending with `<END>` unless cut at `maxLength`.
   * @throws InvalidArgumentError for wrong or non-finite features, or wrong options.
   * @throws NetlensError (`ABORTED`) when `options.signal` aborts.
   */
  async beamSearch(features: tf.Tensor2D, options: BeamSearchOptions = {}): Promise<number[][]> {
    const hypotheses = await this.beamSearchWithScores(features, options);
    return hypotheses.map((hypothesis) => hypothesis.tokens);
  }

  /**
   * {@link CaptioningModel.beamSearch} with each caption's total log-probability and ranking score.
   * @param features - `[N, D]` float32.
   * @param options - beam width, length penalty, maximum length.
   * @returns per image: `tokens`, `logProb` (sum of the words' log-probabilities) and `score`.
   */
  async beamSearchWithScores(
    features: tf.Tensor2D,
    options: BeamSearchOptions = {},
  ): Promise<BeamHypothesis[]> {
    const { beamWidth = 3, lengthPenalty = 0, maxLength = 30, signal } = options;
    this.assertFeatures(features);
    assertNumber('options.beamWidth', beamWidth, { min: 1, integer: true });
    assertNumber('options.lengthPenalty', lengthPenalty, { min: 0 });
    assertNumber('options.maxLength', maxLength, { min: 1, max: MAX_CAPTION_LENGTH, integer: true });
    assertSignal(signal, 'options.signal');
    this.assertStart();
    if (this.vocabulary.endId < 0) {
      throw new InvalidArgumentError('vocabulary', 'a vocabulary with <END>', 'none');
    }
    throwIfAborted(signal, 'Beam search');
    await assertFiniteFeatures('features', features);
    return beamDecode(this.cellType, this.tensors(), features, {
      beamWidth,
      lengthPenalty,
      maxLength,
      startId: this.vocabulary.startId,
      endId: this.vocabulary.endId,
      signal,
    });
  }

  /** The configuration saved with the weights. */
  topology(): CaptioningModelTopology {
    return {
      format: 'netlens-captioning',
      version: 1,
      cellType: this.cellType,
      inputDim: this.inputDim,
      wordvecDim: this.wordvecDim,
      hiddenDim: this.hiddenDim,
      idxToWord: [...this.vocabulary.idxToWord],
    };
  }

  /**
   * The weights in the tfjs weights format: one float32 buffer and its specs, named by CS231n.
   * @returns `weightSpecs` and `weightData`, as in a tfjs `model.json` plus `.bin`.
   */
  async getWeights(): Promise<{ weightSpecs: tf.io.WeightsManifestEntry[]; weightData: ArrayBuffer }> {
    const { data, specs } = await tf.io.encodeWeights(
      Object.fromEntries(CAPTIONING_PARAM_NAMES.map((name) => [name, this.params[name]])),
    );
    return { weightSpecs: specs, weightData: data };
  }

  /**
   * Saves topology and weights through any tfjs IO handler (`tf.io.withSaveHandler`, a browser
   * handler, or a file handler).
   *
   * ```ts
   * await model.save(tf.io.withSaveHandler(async (artifacts) => { store(artifacts); return { modelArtifactsInfo: … }; }));
   * ```
   * @param handler - where to write.
   * @returns the handler's result.
   */
  async save(handler: tf.io.IOHandler): Promise<tf.io.SaveResult> {
    if (typeof handler?.save !== 'function') {
      throw new InvalidArgumentError('handler', 'a tfjs IOHandler with save()', typeof handler);
    }
    const { weightSpecs, weightData } = await this.getWeights();
    return handler.save({
      modelTopology: this.topology() as unknown as object,
      format: 'netlens-captioning',
      generatedBy: '@netlens/captioning',
      weightSpecs,
      weightData,
    });
  }

  /**
   * A model from artifacts written by {@link CaptioningModel.save}.
   *
   * ```ts
   * const model = await CaptioningModel.load(tf.io.fromMemory(artifacts));
   * ```
   * @param handler - a tfjs IO handler with `load()`.
   * @returns the model; the caller disposes it.
   * @throws InvalidArgumentError when the artifacts are not a captioner's.
   */
  static async load(handler: tf.io.IOHandler): Promise<CaptioningModel> {
    if (typeof handler?.load !== 'function') {
      throw new InvalidArgumentError('handler', 'a tfjs IOHandler with load()', typeof handler);
    }
    const artifacts = await handler.load();
    return CaptioningModel.fromArtifacts(artifacts);
  }

  /**
   * A model from tfjs model artifacts (topology, weight specs and data).
   * @param artifacts - as produced by {@link CaptioningModel.save}.
   * @returns the model; the caller disposes it.
   */
  static fromArtifacts(artifacts: tf.io.ModelArtifacts): CaptioningModel {
    const topology = artifacts?.modelTopology as Partial<CaptioningModelTopology> | undefined;
    if (topology?.format !== 'netlens-captioning' || !Array.isArray(topology.idxToWord)) {
      throw new InvalidArgumentError(
        'artifacts.modelTopology',
        'a netlens-captioning topology',
        typeof topology,
      );
    }
    if (!artifacts.weightSpecs || !artifacts.weightData) {
      throw new InvalidArgumentError('artifacts', 'weightSpecs and weightData', 'missing weights');
    }
    const model = new CaptioningModel({
      cellType: topology.cellType as CellType,
      vocabulary: Vocabulary.fromIdxToWord(topology.idxToWord),
      inputDim: topology.inputDim as number,
      wordvecDim: topology.wordvecDim as number,
      hiddenDim: topology.hiddenDim as number,
    });
    const weights = tf.io.decodeWeights(artifacts.weightData, artifacts.weightSpecs);
    try {
      for (const name of CAPTIONING_PARAM_NAMES) {
        const value = weights[name];
        if (!value) throw new InvalidArgumentError('artifacts.weightSpecs', `a weight named ${name}`, 'none');
        model.setParam(name, value);
      }
    } catch (error) {
      model.dispose();
      throw error;
    } finally {
      tf.dispose(weights);
    }
    return model;
  }

  /** Frees the parameters. */
  dispose(): void {
    for (const name of CAPTIONING_PARAM_NAMES) this.params[name].dispose();
  }

  private variable(name: CaptioningParamName): tf.Variable {
    if (!CAPTIONING_PARAM_NAMES.includes(name)) {
      throw new InvalidArgumentError('name', `one of ${CAPTIONING_PARAM_NAMES.join(', ')}`, String(name));
    }
    return this.params[name];
  }

  private tensors(): CaptioningParams {
    return this.params as unknown as CaptioningParams;
  }

  private assertFeatures(features: unknown): asserts features is tf.Tensor2D {
    assertShape('features', features, [null, this.inputDim], ['N', 'D'], 'float32');
    assertNonEmpty('features', features);
  }

  private assertBatch(features: unknown, captions: unknown): void {
    this.assertFeatures(features);
    const n = (features as tf.Tensor).shape[0] as number;
    assertShape('captions', captions, [n, null], ['N', 'T'], 'int32');
    const t = (captions as tf.Tensor).shape[1] as number;
    if (t < 2) throw new InvalidArgumentError('captions', 'at least two ids per caption (T ≥ 2)', `T = ${t}`);
  }

  private assertStart(): void {
    if (this.vocabulary.startId < 0) {
      throw new InvalidArgumentError('vocabulary', 'a vocabulary with <START>', 'none');
    }
  }
}
