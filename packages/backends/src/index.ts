import './gradients';

export type { ActivationGradientRule } from './activation-gradient-rule';
export { ACTIVATION_RULE_KERNELS, withActivationGradientRule } from './activation-gradient-rule';
export type { BackendName } from './backend-names';
export { BACKEND_NAMES, BROWSER_AUTO_ORDER, isBackendName, NODE_AUTO_ORDER } from './backend-names';
export type { ImageClassifier, LayerIntervention } from './contract/image-classifier';
export type { Preprocess, PreprocessPreset, PreprocessSpec } from './contract/preprocess';
export { IMAGENET_PREPROCESS, resolvePreprocess } from './contract/preprocess';
export { ensureGradientOverrides, GRADIENT_OVERRIDE_KERNELS } from './ensure-gradient-overrides';
export type { BackendFailure, GradientGap, NetlensErrorCode } from './errors';
export {
  BackendUnavailableError,
  InvalidArgumentError,
  NetlensError,
  UnsupportedGradientError,
} from './errors';
export type { FromFunctionOptions } from './from-function';
export { fromFunction } from './from-function';
export type { FromGraphModelOptions, GraphModelLike, GraphNodeLike } from './from-graph-model';
export { fromGraphModel, graphNodes } from './from-graph-model';
export type {
  FromLayersModelOptions,
  LayerLike,
  LayerNodeLike,
  LayersModelLike,
  SymbolicTensorLike,
} from './from-layers-model';
export { fromLayersModel } from './from-layers-model';
export type { FusedConv2dActivation, FusedConv2dArgs } from './fused-conv2d';
export { fusedConv2d } from './fused-conv2d';
export { gradientScope } from './gradient-scope';
export type { GradientSupportReport } from './gradient-support';
export { assertGradientSupport, checkGradientSupport, explainGradientError } from './gradient-support';
export type { PreparedRuntime } from './runtimes/runtime';
export type { WasmPaths, WasmRuntimeOptions } from './runtimes/wasm';
export { seededRandom, seededValues } from './seeded-random';
export type { SelectBackendOptions, SelectedBackend } from './select-backend';
export { selectBackend } from './select-backend';
export { assertClassifier, assertImageBatchShape, assertValidImages } from './validate-images';
export type { EnableWasmThreadsOptions, WasmThreadsResult } from './wasm-threads/enable-node-threads';
export { enableWasmThreadsInNode, MAX_WASM_THREADS } from './wasm-threads/enable-node-threads';
