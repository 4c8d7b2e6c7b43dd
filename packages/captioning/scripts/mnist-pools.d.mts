import type { DigitPools } from '../src/data/mnist-captions';

/**
 * The digit pools of the package's scripts and tests: the 8,000 digits `mnistClassifier` was trained
 * on for `train`, and its 2,000 held-out digits split alternately (per class) into `val` and `test`.
 */
export function mnistPools(): DigitPools;
