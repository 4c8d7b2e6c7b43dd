// Side-effect entry: registers every gradient tfjs-core defines. `@tensorflow/tfjs-core` alone
// registers none, and its `register_all_gradients` module cannot be imported from plain Node
// (extensionless ESM imports), so the build compiles it into this package's output.
//
// The package entry is imported first on purpose: the engine is created by whichever copy of
// tfjs-core runs first, and only the package entry wires Tensor methods (clone, toFloat, …) that
// some gradients call. Loaded second, the compiled copy reuses that engine through `globalThis`.
import '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';

// tfjs-core has no gradient for the FusedConv2D kernel itself; this one keeps `fusedConv2d` fused
// under `tf.grad`.
import { registerGradient } from '@tensorflow/tfjs-core';
import { avgPoolGradConfig } from './avg-pool-gradient';
import { installFusedBatchNormInputs } from './fused-batch-norm-inputs';
import { fusedConv2dGradConfig } from './fused-conv2d';
import { mirrorPadGradConfig } from './mirror-pad-gradient';

registerGradient(fusedConv2dGradConfig);
// tfjs' AvgPool gradient ignores that a SAME window averages only the input it covers.
registerGradient(avgPoolGradConfig);
// tfjs' MirrorPad gradient drops what the padded copies send back to the elements they copy.
registerGradient(mirrorPadGradConfig);
// tfjs' tape cannot hold a FusedBatchNorm without scale or offset (Keras `scale=False`).
installFusedBatchNormInputs();
