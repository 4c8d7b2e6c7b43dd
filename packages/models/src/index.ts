export { IMAGENET_CLASSES } from './imagenet-classes';
export type { LoadClassifierOptions, LoadedClassifier, ModelSource } from './load-classifier';
export {
  DEFAULT_MAX_MODEL_JSON_BYTES,
  DEFAULT_MAX_WEIGHT_BYTES,
  DEFAULT_TIMEOUT_MS,
  loadClassifier,
} from './load-classifier';
export { MNIST_CLASS_NAMES, MNIST_LAYER_NAMES, mnistClassifier } from './mnist-classifier';
export type { MobileNetV2Options } from './mobilenet-v2';
export { MOBILENET_V2_INPUT_SHAPE, mobileNetV2 } from './mobilenet-v2';
export type { SqueezeNet11Options } from './squeezenet';
export {
  SQUEEZENET11_LAYER_NAMES,
  SQUEEZENET11_MIN_INPUT_SIZE,
  SQUEEZENET11_WEIGHT_SHAPES,
  squeezeNet11,
  squeezeNet11Flops,
} from './squeezenet';
export type { WeightArtifacts } from './squeezenet-weights';
export { loadSqueezeNet11Weights } from './squeezenet-weights';
