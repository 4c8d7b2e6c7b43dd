import * as tf from '@tensorflow/tfjs-core';
import { CAPTIONING_PARAM_NAMES, CaptioningModel, type CellType } from '../captioning-model';
import { Vocabulary } from '../vocabulary';
import { type ReferenceParams, randn } from './reference';

/** Sizes of the small test captioner: V = 4 specials + 3 words. */
export const SMALL = { n: 3, t: 5, d: 4, w: 3, h: 4 } as const;

/** A small captioner with seeded normal weights of standard deviation `scale` (biases too). */
export function smallModel(cellType: CellType, seed = 1, scale = 0.5): CaptioningModel {
  const model = new CaptioningModel({
    cellType,
    vocabulary: new Vocabulary(['one', 'two', 'three']),
    inputDim: SMALL.d,
    wordvecDim: SMALL.w,
    hiddenDim: SMALL.h,
  });
  CAPTIONING_PARAM_NAMES.forEach((name, i) => {
    const size = model.paramShape(name).reduce((a, b) => a * b, 1);
    model.setParam(
      name,
      randn(size, seed * 100 + i).map((value) => value * scale),
    );
  });
  return model;
}

/** Every parameter of `model` as float64 arrays. */
export async function referenceParams(model: CaptioningModel): Promise<ReferenceParams> {
  const entries = await Promise.all(
    CAPTIONING_PARAM_NAMES.map(
      async (name) => [name, Float64Array.from(await model.params[name].data())] as const,
    ),
  );
  return Object.fromEntries(entries) as ReferenceParams;
}

/** Seeded features `[N, D]` in float64 and as a tensor. */
export function smallFeatures(n: number, seed = 7): { values: Float64Array; tensor: tf.Tensor2D } {
  const values = randn(n * SMALL.d, seed);
  return { values, tensor: tf.tensor2d(Float32Array.from(values), [n, SMALL.d]) };
}
