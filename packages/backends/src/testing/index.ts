export { seededRandom, seededValues } from '../seeded-random';
export type { BackendTestContext, DescribeOnBackendsOptions } from './describe-on-backends';
export { candidateTestBackends, describeOnBackends } from './describe-on-backends';
export { expectNoLeak } from './expect-no-leak';
export type { CloseOptions } from './expect-tensors-close';
export { backendEpsilon, expectTensorsClose } from './expect-tensors-close';
export type { FailingModel } from './failing-models';
export { createFailingModel } from './failing-models';
export type { NumericGradientOptions } from './numeric-gradient';
export { checkGradient, numericGradient } from './numeric-gradient';
export {
  createTinyConvNet,
  createTinyGraphModel,
  createTinyLayersModel,
  TINY_INPUT_SHAPE,
  TINY_NUM_CLASSES,
  tinyImages,
  tinyWeights,
} from './tiny-models';
