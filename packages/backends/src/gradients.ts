// Side-effect entry: registers every gradient tfjs-core defines. `@tensorflow/tfjs-core` alone
// registers none, and its `register_all_gradients` module cannot be imported from plain Node
// (extensionless ESM imports), so the build compiles it into this package's output.
//
// The package entry is imported first on purpose: the engine is created by whichever copy of
// tfjs-core runs first, and only the package entry wires Tensor methods (clone, toFloat, …) that
// some gradients call. Loaded second, the compiled copy reuses that engine through `globalThis`.
import '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';

// netlens' corrected gradients (FusedConv2D, which tfjs-core lacks and which keeps `fusedConv2d`
// fused under `tf.grad`; AvgPool SAME; MirrorPad), registered again later wherever netlens takes a
// gradient, since importing tfjs-layers re-registers tfjs' stock ones.
import { ensureGradientOverrides } from './ensure-gradient-overrides';
import { installFusedBatchNormInputs } from './fused-batch-norm-inputs';

ensureGradientOverrides();
// tfjs' tape cannot hold a FusedBatchNorm without scale or offset (Keras `scale=False`).
installFusedBatchNormInputs();
