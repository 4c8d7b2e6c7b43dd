export type { ChannelAtlasOptions } from './channel-atlas';
export { channelAtlas } from './channel-atlas';
export type { ClassVisualizationOptions, ClassVisualizationResult } from './create-class-visualization';
export { createClassVisualization } from './create-class-visualization';
export type { ProgressOptions, StepInfo } from './internal/optimization-loop';
export type { OptimizerOptions } from './internal/optimizers';
export type { Objective, ObjectiveInputs } from './objectives';
export {
  channel,
  classLogit,
  direction,
  diversity,
  neuron,
  scaleObjective,
  subtractObjectives,
  sumObjectives,
} from './objectives';
export type { Regularizer } from './regularizers';
export { blurPenalty, l1, l2, totalVariation } from './regularizers';
export type { Transform } from './transforms';
export { jitter, pad, randomRotate, randomScale, standardTransforms } from './transforms';
export type { FeatureVisualizationOptions, FeatureVisualizationResult } from './visualize-feature';
export { visualizeFeature } from './visualize-feature';
