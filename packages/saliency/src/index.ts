export type { DeconvnetOptions } from './deconvnet';
export { deconvnet } from './deconvnet';
export type { DeconvnetFeatureViewOptions } from './deconvnet-feature-view';
export { deconvnetFeatureView } from './deconvnet-feature-view';
export type {
  DeletionInsertionMode,
  DeletionInsertionOptions,
  DeletionInsertionResult,
} from './deletion-insertion';
export { deletionInsertion } from './deletion-insertion';
export type { GradCamOptions } from './grad-cam';
export { gradCam } from './grad-cam';
export type { GradientTimesInputOptions } from './gradient-times-input';
export { gradientTimesInput } from './gradient-times-input';
export type { GuidedBackpropOptions } from './guided-backprop';
export { guidedBackprop } from './guided-backprop';
export type { GuidedGradCamOptions } from './guided-grad-cam';
export { guidedGradCam } from './guided-grad-cam';
export type { InfidelityOptions } from './infidelity';
export { infidelity } from './infidelity';
export type {
  Baseline,
  BaselineDistribution,
  IntegratedGradientsOptions,
  IntegratedGradientsResult,
  IntegrationMethod,
} from './integrated-gradients';
export { integratedGradients } from './integrated-gradients';
export type { ChannelReduction } from './internal/channel-reduction';
export type { SaliencyStep, SaliencyStepOptions } from './internal/steps';
export type { ScoreFunction, Target, TargetOptions } from './internal/targets';
export type { RunSaliencyMethodOptions, SaliencyMethodName } from './methods-by-name';
export { runSaliencyMethod, SALIENCY_METHOD_DESCRIPTIONS, SALIENCY_METHOD_NAMES } from './methods-by-name';
export type { OcclusionOptions } from './occlusion';
export { occlusion } from './occlusion';
export type { SanityCheckOptions, SanityCheckResult } from './sanity-check';
export { sanityCheck } from './sanity-check';
export type { SensitivityMaxOptions } from './sensitivity-max';
export { sensitivityMax } from './sensitivity-max';
export type {
  SaliencyMethod,
  SaliencyMethodOptions,
  SmoothGradOptions,
  SmoothGradVariant,
} from './smooth-grad';
export { smoothGrad } from './smooth-grad';
export type { VanillaGradientOptions } from './vanilla-gradient';
export { vanillaGradient } from './vanilla-gradient';
