// One definition of the pools for the scripts and the tests, so the shipped captioner's test split
// is rebuilt exactly as `scripts/train-mnist-captioner.mjs` built it.
export { mnistPools } from '../../scripts/mnist-pools.mjs';
