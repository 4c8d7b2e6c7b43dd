import { readFileSync } from 'node:fs';
import { ensureGradientOverrides, fromFunction, fromGraphModel, fromLayersModel } from '@netlens/backends';
import { describeOnBackends, expectNoLeak, expectTensorsClose } from '@netlens/backends/testing';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import {
  type ConverterFixtureName,
  converterReference,
  createKerasStyleModel,
  expectAtFloor,
} from './__fixtures__/converter-fixtures';
import { fileSystemHandler } from './internal/file-io';
import { loadClassifier } from './load-classifier-node';

// Converter-shaped GraphModels (scripts/converter_fixtures.py) load through loadClassifier and
// through tfjs-converter + fromGraphModel, and their logits equal PyTorch's at the float32 floor.
const GRAPHS = ['mobilenet-v2', 'inception'] as const;

interface GraphNode {
  op: string;
  attr?: Record<string, { list?: { s?: string[] } }>;
}

const nodesOf = (name: ConverterFixtureName): GraphNode[] =>
  JSON.parse(readFileSync(converterReference(name).modelPath, 'utf8')).modelTopology.node;

const fusedOps = (nodes: GraphNode[]) =>
  new Set(
    nodes
      .filter((node) => node.attr?.fused_ops)
      .map(
        (node) =>
          `${node.op}:${(node.attr?.fused_ops?.list?.s ?? []).map((s) => Buffer.from(s, 'base64').toString()).join('+')}`,
      ),
  );

describe('converter fixtures', () => {
  it('spell the ops tfjs-converter emits for MobileNetV2 and Inception v3', () => {
    const mobilenet = nodesOf('mobilenet-v2');
    const inception = nodesOf('inception');
    const ops = new Set([...mobilenet, ...inception].map((node) => node.op));
    for (const op of [
      'Placeholder',
      'Const',
      '_FusedConv2D',
      'FusedDepthwiseConv2dNative',
      'Conv2D',
      'DepthwiseConv2dNative',
      'FusedBatchNorm',
      'FusedBatchNormV3',
      'PadV2',
      'ClipByValue',
      'AddV2',
      'ConcatV2',
      'MaxPool',
      'AvgPool',
      'Mean',
      '_FusedMatMul',
      'Softmax',
      'Squeeze',
      'Relu',
      'Relu6',
      'Identity',
    ]) {
      expect(ops, op).toContain(op);
    }
    expect([...fusedOps(mobilenet)].sort()).toEqual([
      'FusedDepthwiseConv2dNative:BiasAdd+Relu6',
      '_FusedConv2D:BiasAdd',
      '_FusedConv2D:BiasAdd+Relu6',
      '_FusedMatMul:BiasAdd',
    ]);
    expect([...fusedOps(inception)].sort()).toEqual(['_FusedConv2D:BiasAdd', '_FusedConv2D:BiasAdd+Relu']);
    // Keras' BatchNormalization(scale=False) converts with a Const of ones as the scale input.
    expect(inception.filter((node) => node.op.startsWith('FusedBatchNorm')).length).toBeGreaterThan(20);
  });
});

describeOnBackends('gradients the converter fixtures need', () => {
  // Inception's pooling branches are AvgPool 3×3 SAME, whose windows at the border average only the
  // pixels they cover. @netlens/backends registers an exact gradient for it, but this package
  // imports @tensorflow/tfjs-layers, whose first import registers tfjs' stock gradients again (stock
  // AvgPool divides every window by 9): the gradients netlens takes must survive that import, both
  // through a classifier (as the fixtures run) and after `ensureGradientOverrides()` for raw tf.grad.
  it('AvgPool SAME keeps its exact gradient after @tensorflow/tfjs-layers is imported', async () => {
    await import('@tensorflow/tfjs-layers');
    const classifier = fromFunction(
      (images) => tf.reshape(tf.avgPool(images, 3, 1, 'same'), [images.shape[0], 9]),
      { inputShape: [3, 3, 1], numClasses: 9 },
    );
    await expectNoLeak(async () => {
      const x = tf.tensor4d([0.3, -1.2, 0.7, 2.0, 1.1, 0.4, -0.6, 0.9, -0.2], [1, 3, 3, 1]);
      const weights = tf.tensor4d([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 3, 3, 1]);
      const throughClassifier = tf.grad((input: tf.Tensor) =>
        tf.sum(tf.mul(classifier.logits(input as tf.Tensor4D), tf.reshape(weights, [1, 9]))),
      )(x);
      ensureGradientOverrides();
      const raw = tf.grad((input: tf.Tensor) =>
        tf.sum(tf.mul(tf.avgPool(input as tf.Tensor4D, 3, 1, 'same'), weights)),
      )(x);
      // Exact: pixel (i, j) gets w[o] / count[o] from every window o that covers it; on a 3 × 3
      // input the counts are 4 (corners), 6 (edges) and 9 (centre).
      const count = (r: number, c: number) => (r === 1 ? 3 : 2) * (c === 1 ? 3 : 2);
      const expected: number[] = [];
      for (let i = 0; i < 3; i++) {
        for (let j = 0; j < 3; j++) {
          let sum = 0;
          for (let r = Math.max(0, i - 1); r <= Math.min(2, i + 1); r++) {
            for (let c = Math.max(0, j - 1); c <= Math.min(2, j + 1); c++)
              sum += (r * 3 + c + 1) / count(r, c);
          }
          expected.push(sum);
        }
      }
      await expectTensorsClose(throughClassifier, expected);
      await expectTensorsClose(raw, expected);
      tf.dispose([x, weights, throughClassifier, raw]);
    });
  });
});

describeOnBackends(
  'converter-shaped GraphModels',
  () => {
    for (const name of GRAPHS) {
      const reference = converterReference(name);
      it(`${name}: loadClassifier(path) gives PyTorch's logits`, async () => {
        const classifier = await loadClassifier(reference.modelPath, { preprocess: reference.preprocess });
        expect(classifier.format).toBe('graph');
        expect(classifier.numClasses).toBe(10);
        expect(classifier.inputShape).toEqual(reference.inputShape.slice(1));
        expect(classifier.layerNames).toContain(reference.gradcamLayer);
        await expectNoLeak(async () => {
          const images = tf.tensor4d(reference.input, reference.inputShape);
          const logits = classifier.logits(images);
          await expectAtFloor(logits, reference, 'logits');
          const predicted = tf.argMax(logits, 1);
          expect(Array.from(await predicted.data())).toEqual(reference.targets);
          tf.dispose([images, logits, predicted]);
        });
        classifier.dispose();
      });

      it(`${name}: tfjs-converter's loadGraphModel + fromGraphModel give the same logits`, async () => {
        const { loadGraphModel } = await import('@tensorflow/tfjs-converter');
        const graph = await loadGraphModel(fileSystemHandler(reference.modelPath));
        const classifier = fromGraphModel(graph, { preprocess: reference.preprocess });
        await expectNoLeak(async () => {
          const images = tf.tensor4d(reference.input, reference.inputShape);
          const logits = classifier.logits(images);
          await expectAtFloor(logits, reference, 'logits');
          tf.dispose([images, logits]);
        });
        graph.dispose();
      });
    }

    it("keras: a tfjs-layers model with PyTorch's weights gives PyTorch's logits", async () => {
      const reference = converterReference('keras');
      const model = createKerasStyleModel();
      const classifier = fromLayersModel(model);
      await expectNoLeak(async () => {
        const images = tf.tensor4d(reference.input, reference.inputShape);
        const logits = classifier.logits(images);
        await expectAtFloor(logits, reference, 'logits');
        tf.dispose([images, logits]);
      });
      model.dispose();
    });
  },
  {
    exclude: {
      'node-webgpu':
        "SwiftShader compiles a shader per layer shape (about 70 s for the MobileNetV2's first pass); saliency's converter-parity runs these graphs there",
    },
  },
);
