/**
 * A two-layer model small enough to write by hand: Flatten → Dense(5) on a 1×1×1 input, so that
 * `logits(ones) = kernel + bias` and the weight bytes show directly in the output.
 */
export const PROBE_TOPOLOGY = {
  class_name: 'Sequential',
  config: {
    name: 'probe',
    layers: [
      { class_name: 'Flatten', config: { name: 'flatten', batch_input_shape: [null, 1, 1, 1] } },
      { class_name: 'Dense', config: { name: 'dense', units: 5 } },
    ],
  },
};

/** The probe's weights manifest entries: 10 float32 values, 40 bytes. */
export const PROBE_WEIGHTS = [
  { name: 'dense/kernel', shape: [1, 5], dtype: 'float32' },
  { name: 'dense/bias', shape: [5], dtype: 'float32' },
];

/** Kernel then bias. */
export const PROBE_VALUES = [1, 2, 3, 4, 5, 0.5, 0.25, -1, -2, 10];

/** `logits(ones)` of the probe with {@link PROBE_VALUES}: kernel row + bias. */
export const PROBE_LOGITS = [1.5, 2.25, 2, 2, 15];

/** {@link PROBE_VALUES} as the bytes of a weight file. */
export const probeWeightBytes = (): Uint8Array => new Uint8Array(new Float32Array(PROBE_VALUES).buffer);

/** A probe `model.json` whose one weight group lists `paths`. */
export const probeModelJson = (paths: string[], extra: Record<string, unknown> = {}): string =>
  JSON.stringify({
    format: 'layers-model',
    modelTopology: PROBE_TOPOLOGY,
    weightsManifest: [{ paths, weights: PROBE_WEIGHTS }],
    ...extra,
  });
