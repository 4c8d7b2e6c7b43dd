import { InvalidArgumentError } from '@netlens/backends';
import * as tf from '@tensorflow/tfjs-core';
import { GLYPH_HEIGHT, renderTextMask } from './internal/bitmap-font';
import {
  assertIntegerInRange,
  assertTensorRank,
  type Color,
  channelsOf,
  describeShape,
  describeValue,
  isTensor,
  toRgb,
} from './internal/tensor-checks';

/** Options for {@link grid}. */
export interface GridOptions {
  /** Cells per row. Default `ceil(sqrt(count))`. */
  columns?: number;
  /** Pixels between cells and around the edge. Default 2. */
  padding?: number;
  /** Colour of padding, empty cells, letterboxing and label strips: grey level or `[r, g, b]`. Default 1 (white). */
  background?: Color;
  /**
   * One caption per cell, drawn under it with a built-in 5×7 pixel font (printable ASCII; other
   * characters show as `?`; text too wide for the cell is shortened with `..`). Default: no labels.
   */
  labels?: readonly string[];
  /** Text colour. Default black on light backgrounds, white on dark ones. */
  labelColor?: Color;
  /** Font scale in pixels per font pixel. Default `max(1, floor(cellWidth / 128))`. */
  labelScale?: number;
}

type GridInput = tf.Tensor4D | readonly (tf.Tensor3D | tf.Tensor4D)[];

interface Cell {
  tensor: tf.Tensor3D | tf.Tensor4D;
  /** Index within a batch, or -1 for a single `[H, W, C]` image. */
  index: number;
}

function isGray(color: readonly [number, number, number]): boolean {
  return color[0] === color[1] && color[1] === color[2];
}

function luminance(color: readonly [number, number, number]): number {
  return 0.299 * color[0] + 0.587 * color[1] + 0.114 * color[2];
}

/** Lists every cell of the input, validating each tensor. */
function collectCells(images: unknown): Cell[] {
  const expected = 'an [N, H, W, C] tensor or an array of [H, W, C] / [n, H, W, C] tensors, C = 1, 3 or 4';
  const inputs: unknown[] = isTensor(images) ? [images] : Array.isArray(images) ? images : [];
  if (!isTensor(images) && !Array.isArray(images)) {
    throw new InvalidArgumentError('images', expected, describeValue(images));
  }
  const cells: Cell[] = [];
  inputs.forEach((input, position) => {
    const argument = isTensor(images) ? 'images' : `images[${position}]`;
    assertTensorRank(input, argument, [3, 4], expected);
    const channels = channelsOf(input);
    if (![1, 3, 4].includes(channels))
      throw new InvalidArgumentError(argument, expected, describeShape(input.shape));
    if (input.rank === 3) cells.push({ tensor: input as tf.Tensor3D, index: -1 });
    else
      for (let index = 0; index < (input.shape[0] as number); index++)
        cells.push({ tensor: input as tf.Tensor4D, index });
  });
  if (cells.length === 0)
    throw new InvalidArgumentError('images', `${expected}, with at least one image`, 'no images');
  return cells;
}

/** Pads an `[H, W, C]` tensor with a per-channel colour (tf.pad takes one scalar, so pad channel by channel). */
function padWithColor(
  image: tf.Tensor3D,
  paddings: [[number, number], [number, number]],
  color: readonly number[],
): tf.Tensor3D {
  const channels = tf.split(image, image.shape[2], 2);
  return tf.concat(
    channels.map((channel, c) => tf.pad(channel, [...paddings, [0, 0]], color[c] ?? 1)),
    2,
  ) as tf.Tensor3D;
}

/** Converts one image to the grid's channel count, compositing alpha over the background. */
function toGridChannels(
  image: tf.Tensor3D,
  channels: number,
  background: readonly [number, number, number],
): tf.Tensor3D {
  let rgb: tf.Tensor3D = image;
  const inputChannels = image.shape[2];
  if (inputChannels === 4) {
    const color = tf.slice(image, [0, 0, 0], [-1, -1, 3]);
    const alpha = tf.slice(image, [0, 0, 3], [-1, -1, 1]);
    rgb = tf.add(tf.mul(color, alpha), tf.mul(tf.tensor1d([...background]), tf.sub(1, alpha)));
  }
  if (channels === 3 && inputChannels === 1) return tf.tile(rgb, [1, 1, 3]);
  if (channels === 1 && rgb.shape[2] === 3)
    return tf.sum(tf.mul(rgb, tf.tensor1d([0.299, 0.587, 0.114])), 2, true);
  return rgb;
}

/**
 * Lays images out in a grid (a contact sheet), optionally with a caption under each, drawn with a
 * built-in bitmap font so it works in Node without a canvas. Cells are as large as the largest
 * image; smaller images are centred. Output has 3 channels, or 1 when every image and colour is grey;
 * RGBA images are composited over the background.
 *
 * @param images - a batch `[N, H, W, C]`, or an array of `[H, W, C]` / `[n, H, W, C]` tensors
 *   (batches contribute one cell per image), values in [0, 1], C = 1, 3 or 4. Not disposed.
 * @param options - `columns`, `padding` (default 2), `background` (default white), `labels`,
 *   `labelColor`, `labelScale`.
 * @returns a new `[1, height, width, C]` float32 tensor.
 *
 * ```ts
 * const sheet = grid([image, overlay(image, heat)], { columns: 2, labels: ['input', 'saliency'] });
 * await writePng('sheet.png', sheet);
 * ```
 */
export function grid(images: GridInput, options: GridOptions = {}): tf.Tensor4D {
  const cells = collectCells(images);
  const columns = assertIntegerInRange(
    options.columns ?? Math.ceil(Math.sqrt(cells.length)),
    'options.columns',
    1,
    Number.MAX_SAFE_INTEGER,
  );
  const padding = assertIntegerInRange(options.padding ?? 2, 'options.padding', 0, Number.MAX_SAFE_INTEGER);
  const background = toRgb(options.background ?? 1, 'options.background');
  const labels = options.labels;
  if (labels !== undefined) {
    if (
      !Array.isArray(labels) ||
      labels.length !== cells.length ||
      !labels.every((label) => typeof label === 'string')
    ) {
      throw new InvalidArgumentError(
        'options.labels',
        `an array of ${cells.length} strings (one per image)`,
        Array.isArray(labels) ? `an array of ${labels.length}` : describeValue(labels),
      );
    }
  }
  const labelColor: [number, number, number] =
    options.labelColor === undefined
      ? luminance(background) > 0.5
        ? [0, 0, 0]
        : [1, 1, 1]
      : toRgb(options.labelColor, 'options.labelColor');

  const sizeOf = (cell: Cell): [number, number] => {
    const offset = cell.tensor.rank - 3;
    return [cell.tensor.shape[offset] as number, cell.tensor.shape[offset + 1] as number];
  };
  const cellHeight = Math.max(...cells.map((cell) => sizeOf(cell)[0]));
  const cellWidth = Math.max(...cells.map((cell) => sizeOf(cell)[1]));
  const labelScale = assertIntegerInRange(
    options.labelScale ?? Math.max(1, Math.floor(cellWidth / 128)),
    'options.labelScale',
    1,
    64,
  );
  const channels =
    cells.some((cell) => channelsOf(cell.tensor) !== 1) ||
    !isGray(background) ||
    (labels !== undefined && !isGray(labelColor))
      ? 3
      : 1;
  const colorOf = (rgb: readonly [number, number, number]): number[] =>
    channels === 3 ? [...rgb] : [luminance(rgb)];
  const backgroundColor = colorOf(background);
  const stripHeight = labels === undefined ? 0 : (GLYPH_HEIGHT + 4) * labelScale;
  const rows = Math.ceil(cells.length / columns);

  return tf.tidy(() => {
    const block = (height: number, width: number): tf.Tensor3D =>
      tf.mul(tf.ones([height, width, channels]), tf.tensor1d(backgroundColor));
    const rendered = cells.map((cell, position) => {
      const image =
        cell.index < 0
          ? (cell.tensor as tf.Tensor3D)
          : (tf.squeeze(tf.slice(cell.tensor, [cell.index, 0, 0, 0], [1, -1, -1, -1]), [0]) as tf.Tensor3D);
      const converted = toGridChannels(tf.cast(image, 'float32'), channels, background);
      const [height, width] = sizeOf(cell);
      const top = Math.floor((cellHeight - height) / 2);
      const left = Math.floor((cellWidth - width) / 2);
      let content = padWithColor(
        converted,
        [
          [top, cellHeight - height - top],
          [left, cellWidth - width - left],
        ],
        backgroundColor,
      );
      if (labels !== undefined) {
        const mask = tf.tensor3d(
          renderTextMask(labels[position] as string, cellWidth, stripHeight, labelScale),
          [stripHeight, cellWidth, 1],
        );
        const strip = tf.add(
          tf.mul(tf.sub(1, mask), tf.tensor1d(backgroundColor)),
          tf.mul(mask, tf.tensor1d(colorOf(labelColor))),
        );
        content = tf.concat([content, strip], 0) as tf.Tensor3D;
      }
      return padWithColor(
        content,
        [
          [0, padding],
          [0, padding],
        ],
        backgroundColor,
      );
    });
    const fullCellHeight = cellHeight + stripHeight + padding;
    const fullCellWidth = cellWidth + padding;
    const rowTensors: tf.Tensor3D[] = [];
    for (let row = 0; row < rows; row++) {
      const inRow = rendered.slice(row * columns, (row + 1) * columns);
      const missing = columns - inRow.length;
      if (missing > 0) inRow.push(block(fullCellHeight, fullCellWidth * missing));
      rowTensors.push(tf.concat(inRow, 1));
    }
    const sheet = padWithColor(
      tf.concat(rowTensors, 0),
      [
        [padding, 0],
        [padding, 0],
      ],
      backgroundColor,
    );
    return tf.expandDims(sheet, 0) as tf.Tensor4D;
  });
}
