// Side-effect entry: native TensorFlow on the CPU through @tensorflow/tfjs-node (an optional peer).
import '../gradients';
import { prepareTfjsNode } from '../internal/tfjs-node';
import type { PreparedRuntime } from './runtime';

/** Loads `@tensorflow/tfjs-node`, which registers the `'tensorflow'` backend. */
export function prepare(): Promise<PreparedRuntime> {
  return prepareTfjsNode('@tensorflow/tfjs-node');
}
