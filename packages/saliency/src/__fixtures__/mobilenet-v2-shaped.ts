import { fromLayersModel, type ImageClassifier } from '@netlens/backends';
import * as tfl from '@tensorflow/tfjs-layers';

/**
 * Keras' MobileNetV2 (Sandler et al. 2018) at 224 × 224 with seeded weights, built with tfjs-layers
 * the way `tf.keras.applications.MobileNetV2` writes it (`Conv2D` + `BatchNormalization` +
 * `ReLU(max_value=6)`, inverted residual blocks with `DepthwiseConv2D`, global average pooling,
 * `Dense(1000, softmax)`) and wrapped with `fromLayersModel`, which frees every intermediate after
 * each layer: the memory shape of the real pretrained model users bring. `alpha` scales the
 * channel counts (1 is the full network, 3.5 M weights). `model` is the LayersModel itself (to save
 * it as a model.json). Dispose with `dispose()`.
 */
export function createMobileNetV2Shaped(
  alpha = 1,
  seed = 1,
): {
  classifier: ImageClassifier;
  model: tfl.LayersModel;
  dispose(): void;
} {
  let nextSeed = seed;
  const kernelInitializer = () =>
    tfl.initializers.varianceScaling({ scale: 2, mode: 'fanIn', distribution: 'normal', seed: nextSeed++ });
  const channels = (value: number) => Math.max(8, Math.round((value * alpha) / 8) * 8);
  const relu6 = (name: string) => tfl.layers.reLU({ maxValue: 6, name });
  const batchNorm = (name: string) => tfl.layers.batchNormalization({ epsilon: 1e-3, momentum: 0.999, name });
  const conv = (filters: number, kernelSize: number, strides: number, name: string) =>
    tfl.layers.conv2d({
      filters,
      kernelSize,
      strides,
      padding: 'same',
      useBias: false,
      kernelInitializer: kernelInitializer(),
      name,
    });

  const input = tfl.input({ shape: [224, 224, 3] });
  let x = conv(channels(32), 3, 2, 'Conv1').apply(input) as tfl.SymbolicTensor;
  x = relu6('Conv1_relu').apply(batchNorm('bn_Conv1').apply(x)) as tfl.SymbolicTensor;
  let inChannels = channels(32);
  // (expansion t, output channels c, repeats n, first stride s), Table 2 of the paper.
  const settings: [number, number, number, number][] = [
    [1, 16, 1, 1],
    [6, 24, 2, 2],
    [6, 32, 3, 2],
    [6, 64, 4, 2],
    [6, 96, 3, 1],
    [6, 160, 3, 2],
    [6, 320, 1, 1],
  ];
  let block = 0;
  for (const [expansion, outputs, repeats, firstStride] of settings) {
    for (let repeat = 0; repeat < repeats; repeat++) {
      const strides = repeat === 0 ? firstStride : 1;
      const outChannels = outputs === 16 ? Math.max(8, Math.round((16 * alpha) / 8) * 8) : channels(outputs);
      const prefix = `block_${block}_`;
      let y = x;
      if (expansion !== 1) {
        y = conv(inChannels * expansion, 1, 1, `${prefix}expand`).apply(y) as tfl.SymbolicTensor;
        y = relu6(`${prefix}expand_relu`).apply(
          batchNorm(`${prefix}expand_BN`).apply(y),
        ) as tfl.SymbolicTensor;
      }
      y = tfl.layers
        .depthwiseConv2d({
          kernelSize: 3,
          strides,
          padding: 'same',
          useBias: false,
          depthwiseInitializer: kernelInitializer(),
          name: `${prefix}depthwise`,
        })
        .apply(y) as tfl.SymbolicTensor;
      y = relu6(`${prefix}depthwise_relu`).apply(
        batchNorm(`${prefix}depthwise_BN`).apply(y),
      ) as tfl.SymbolicTensor;
      y = conv(outChannels, 1, 1, `${prefix}project`).apply(y) as tfl.SymbolicTensor;
      y = batchNorm(`${prefix}project_BN`).apply(y) as tfl.SymbolicTensor;
      x =
        strides === 1 && inChannels === outChannels
          ? (tfl.layers.add({ name: `${prefix}add` }).apply([x, y]) as tfl.SymbolicTensor)
          : y;
      inChannels = outChannels;
      block++;
    }
  }
  const lastChannels = alpha > 1 ? channels(1280) : 1280;
  x = conv(lastChannels, 1, 1, 'Conv_1').apply(x) as tfl.SymbolicTensor;
  x = relu6('out_relu').apply(batchNorm('Conv_1_bn').apply(x)) as tfl.SymbolicTensor;
  x = tfl.layers.globalAveragePooling2d({ name: 'global_average_pooling2d' }).apply(x) as tfl.SymbolicTensor;
  const output = tfl.layers
    .dense({
      units: 1000,
      activation: 'softmax',
      kernelInitializer: tfl.initializers.glorotUniform({ seed: nextSeed++ }),
      name: 'predictions',
    })
    .apply(x) as tfl.SymbolicTensor;
  const model = tfl.model({ inputs: input, outputs: output });
  const classifier = fromLayersModel(model, { preprocess: 'inception' });
  return {
    classifier,
    model,
    dispose: () => model.dispose(),
  };
}
