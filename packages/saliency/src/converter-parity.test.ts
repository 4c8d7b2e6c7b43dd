import { fromLayersModel, type ImageClassifier } from '@netlens/backends';
import { describeOnBackends, expectNoLeak } from '@netlens/backends/testing';
import { type LoadedClassifier, loadClassifier } from '@netlens/models';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, it } from 'vitest';
import {
  type ConverterFixtureName,
  converterModelSource,
  expectAtFloor,
  kerasStyleModelFrom,
  loadConverterReference,
  loadKerasWeights,
} from '../../models/src/__fixtures__/converter-reference';
import { deconvnet } from './deconvnet';
import { gradCam } from './grad-cam';
import { guidedBackprop } from './guided-backprop';
import { vanillaGradient } from './vanilla-gradient';

// Vanilla gradient, guided backpropagation, deconvnet and Grad-CAM on converter-shaped GraphModels
// (a MobileNetV2 with fused and unfused ReLU6 spellings, an Inception-v3-style net with scale-less
// batch norms, concats and pools) and on a Keras-style LayersModel, against PyTorch's float64
// maps (scripts/converter_fixtures.py; PyTorch replaces every ReLU/ReLU6 module's backward with the
// rule). Tolerances are the float32 floor PyTorch itself reaches on the same inputs
// (`expectAtFloor`). Ties: the pixels are smooth images with noise, so no pre-activation sits
// exactly on a ReLU kink; but a ReLU's zeros reach max-pool windows (Inception's stem, the
// Keras-style net's ReLU → batch norm → max-pool) as exact ties. PyTorch, TensorFlow and tfjs' cpu
// and wasm send a tied window's gradient to its first element; deconvnet carries it through the
// ReLUs below, so a backend that picks another element draws another map. That is held to the same
// floor, not tolerated: the maps must not depend on the backend.
// The fixtures are read with fetch in Chromium and node:fs in Node (converter-reference.ts), so
// the same suite runs in both.
const FIXTURES: readonly ConverterFixtureName[] = ['mobilenet-v2', 'inception', 'keras'];
const REFERENCES = await Promise.all(FIXTURES.map((name) => loadConverterReference(name)));
const KERAS_WEIGHTS = await loadKerasWeights();

describeOnBackends('saliency methods on converter-shaped models equal PyTorch', ({ backend }) => {
  // SwiftShader compiles every layer shape's shaders (about 30 s for the MobileNetV2): there the
  // suite keeps the rule-based maps the issue is about and leaves vanilla and Grad-CAM to cpu and wasm.
  const subsampled = backend === 'node-webgpu';
  const onlyOffGpu = subsampled ? ' (skipped on node-webgpu: SwiftShader is slow, cpu and wasm run it)' : '';
  for (const reference of REFERENCES) {
    const name = reference.name as ConverterFixtureName;
    let model: ImageClassifier;
    let release: () => void;
    let images: tf.Tensor4D;
    beforeAll(async () => {
      if (name === 'keras') {
        const layers = kerasStyleModelFrom(KERAS_WEIGHTS, reference.inputShape[1]);
        model = fromLayersModel(layers);
        release = () => layers.dispose();
      } else {
        const loaded: LoadedClassifier = await loadClassifier(await converterModelSource(name), {
          preprocess: reference.preprocess,
        });
        model = loaded;
        release = () => loaded.dispose();
      }
      images = tf.tensor4d(reference.input, reference.inputShape);
    });
    afterAll(() => {
      images?.dispose();
      release?.();
    });
    const options = { target: reference.targets, abs: false, channelReduction: 'none' } as const;

    for (const [method, run] of [
      ['vanilla', () => vanillaGradient(model, images, options)],
      ['guided', () => guidedBackprop(model, images, options)],
      ['deconvnet', () => deconvnet(model, images, options)],
    ] as const) {
      const skip = subsampled && method === 'vanilla';
      it.skipIf(skip)(`${name}: ${method}${skip ? onlyOffGpu : ''}`, async () => {
        await expectNoLeak(async () => {
          const map = await run();
          await expectAtFloor(map, reference, method);
          map.dispose();
        });
      });
    }

    it.skipIf(subsampled)(`${name}: Grad-CAM at ${reference.gradcamLayer}${onlyOffGpu}`, async () => {
      await expectNoLeak(async () => {
        const cam = await gradCam(model, images, {
          target: reference.targets,
          layer: reference.gradcamLayer,
          upsample: false,
        });
        const squeezed = tf.reshape(cam, reference.shapes.gradcam);
        await expectAtFloor(squeezed, reference, 'gradcam');
        tf.dispose([cam, squeezed]);
      });
    });
  }
});
