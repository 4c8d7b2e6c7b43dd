export type { BimOptions } from './bim';
export { bim } from './bim';
export type { CarliniWagnerL2Options } from './carlini-wagner-l2';
export { carliniWagnerL2 } from './carlini-wagner-l2';
export type { DeepFoolOptions } from './deep-fool';
export { deepFool } from './deep-fool';
export type { DifferencePictureOptions } from './difference-picture';
export { differencePicture } from './difference-picture';
export type {
  AttackEvaluation,
  AttackFunction,
  DistanceSummary,
  EpsilonResult,
  EvaluateAttackOptions,
  EvaluationStep,
  ExampleResult,
} from './evaluate-attack';
export { evaluateAttack } from './evaluate-attack';
export type { FgsmOptions } from './fgsm';
export { fgsm } from './fgsm';
export type { FiniteOptions } from './internal/finite';
export type { PerturbationNorm } from './internal/projection';
export type { AttackStep, StepOptions } from './internal/steps';
export type { AttackTarget, AttackTargetOptions } from './internal/targets';
export type { FoolingImageOptions, FoolingImageResult, FoolingStep } from './make-fooling-image';
export { makeFoolingImage } from './make-fooling-image';
export type { MifgsmOptions } from './mifgsm';
export { mifgsm } from './mifgsm';
export type { PgdOptions } from './pgd';
export { pgd } from './pgd';
