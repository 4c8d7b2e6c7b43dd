// Side-effect entry: native TensorFlow with CUDA through @tensorflow/tfjs-node-gpu (an optional peer).
import '../gradients';
import { prepareTfjsNode } from '../internal/tfjs-node';
import type { PreparedRuntime } from './runtime';

/** Loads `@tensorflow/tfjs-node-gpu`, which registers the `'tensorflow'` backend on CUDA. */
export function prepare(): Promise<PreparedRuntime> {
  return prepareTfjsNode('@tensorflow/tfjs-node-gpu');
}
