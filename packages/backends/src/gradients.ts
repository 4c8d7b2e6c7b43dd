// Side-effect entry: registers every gradient tfjs-core defines. `@tensorflow/tfjs-core` alone
// registers none, and its `register_all_gradients` module cannot be imported from plain Node
// (extensionless ESM imports), so the build compiles it into this package's output.
import '@tensorflow/tfjs-core/dist/register_all_gradients';
