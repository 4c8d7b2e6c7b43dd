/** What a runtime entry reports once its tfjs backend is registered and ready to be set. */
export interface PreparedRuntime {
  /** The tfjs backend name to pass to `tf.setBackend` (`'webgpu'` for both WebGPU entries, `'tensorflow'` for tfjs-node). */
  tfjsName: string;
  /** One sentence on what was set up (adapter, thread count, driver). */
  detail: string;
  /** True for a software GPU (SwiftShader, lavapipe): correct but slower than wasm, so `'auto'` skips it. */
  software?: boolean;
}

/** A runtime entry module: importing it registers what it can; `prepare` finishes the async part. */
export interface RuntimeModule {
  prepare(): Promise<PreparedRuntime>;
}
