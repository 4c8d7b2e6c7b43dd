import { readFileSync } from 'node:fs';
import { fromGraphModel, fromLayersModel } from '@netlens/backends';
import { describeOnBackends, expectNoLeak } from '@netlens/backends/testing';
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
