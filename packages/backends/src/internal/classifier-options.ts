import type { ImageClassifier } from '../contract/image-classifier';
import { InvalidArgumentError } from '../errors';

/** Options shared by every adapter. */
export interface ClassifierOptions {
  /** Class names, `numClasses` long. */
  classNames?: readonly string[];
}

/** Checks `classNames` against the class count and returns a frozen copy. */
export function checkClassNames(
  classNames: readonly string[] | undefined,
  numClasses: number,
): ImageClassifier['classNames'] {
  if (classNames === undefined) return undefined;
  if (classNames.length !== numClasses) {
    throw new InvalidArgumentError(
      'options.classNames',
      `${numClasses} names (one per class)`,
      `${classNames.length} names`,
    );
  }
  return Object.freeze([...classNames]);
}

/** Checks that every requested layer name is tappable; the error lists the valid names. */
export function checkLayerNames(requested: readonly string[], available: readonly string[]): void {
  const known = new Set(available);
  const unknown = requested.filter((name) => !known.has(name));
  if (unknown.length > 0) {
    const shown = available.length > 12 ? `${available.slice(0, 12).join(', ')}, …` : available.join(', ');
    throw new InvalidArgumentError('layerNames', `names of tappable layers (${shown})`, unknown.join(', '));
  }
}

/** Reads a model's `[h, w, c]` input shape from a full `[batch, h, w, c]` shape. */
export function imageInputShape(
  shape: readonly (number | null | undefined)[] | undefined,
  argumentName: string,
): [number | null, number | null, number] {
  const dims = shape ?? [];
  const channels = dims[3];
  if (dims.length !== 4 || typeof channels !== 'number' || channels <= 0) {
    throw new InvalidArgumentError(
      argumentName,
      'a model with one NHWC image input [batch, height, width, channels]',
      `input shape [${dims.map((dim) => dim ?? '?').join(', ')}]`,
    );
  }
  const spatial = (dim: number | null | undefined) => (typeof dim === 'number' && dim > 0 ? dim : null);
  return [spatial(dims[1]), spatial(dims[2]), channels];
}
