import type { ImageClassifier } from '@netlens/backends';
import { grid } from '@netlens/image';
import {
  runSaliencyMethod,
  SALIENCY_METHOD_DESCRIPTIONS,
  SALIENCY_METHOD_NAMES,
  type SaliencyMethodName,
  type Target,
} from '@netlens/saliency';
import * as tf from '@tensorflow/tfjs-core';
import { chooseBackend } from '../internal/choose-backend';
import { COMMON_HELP, COMMON_OPTIONS, type Command } from '../internal/command';
import { loadModelAndImages, MODEL_HELP_LINES, MODEL_OPTIONS, parseTarget } from '../internal/model-options';
import { formatFiles, outputFolder, type WrittenFile, writePicture } from '../internal/output';
import { parseChoices, parseNumber } from '../internal/parse-values';
import { createProgress } from '../internal/progress';
import { renderAttribution } from '../internal/saliency-maps';

const DEFAULT_METHODS = 'vanilla,smoothgrad,ig,gradcam';

/** `netlens saliency`: attribution maps as heatmaps over the images. */
export const saliencyCommand: Command = {
  name: 'saliency',
  summary: 'attribution maps (vanilla, SmoothGrad, IG, Grad-CAM, …) as heatmap PNGs',
  help: `netlens saliency — attribution maps as heatmaps over the images

Usage: netlens saliency [--model <m>] [--image <file> …] [--method <list>] [--target <class>] [--out <dir>]

${MODEL_HELP_LINES}
  --method <list>    comma-separated, default ${DEFAULT_METHODS}; one of
${SALIENCY_METHOD_NAMES.map((method) => `                       ${method.padEnd(14)} ${SALIENCY_METHOD_DESCRIPTIONS[method]}`).join('\n')}
  --target <class>   predicted (default), or a class index or name for every image
  --out <dir>        output folder (default netlens-out/saliency): <image>-<method>.png and saliency.png
${COMMON_HELP}

Examples:
  netlens saliency
  netlens saliency --image digit.png --method ig,gradcam --target 3 --out maps
  netlens saliency --model ./mobilenet/model.json --preprocess inception --image cat.jpg --method gradcam`,
  options: {
    ...COMMON_OPTIONS,
    ...MODEL_OPTIONS,
    method: { type: 'string', default: DEFAULT_METHODS },
    target: { type: 'string' },
    out: { type: 'string' },
  },
  async run(values, _positionals, io) {
    const methods = parseChoices('--method', values.method as string, SALIENCY_METHOD_NAMES);
    const seed = parseNumber('--seed', values.seed as string | undefined, 1, { integer: true, min: 0 });
    const backend = await chooseBackend(values.backend as string | undefined);
    const { model, images } = await loadModelAndImages(values);
    try {
      const target = parseTarget(values.target as string | undefined, model);
      const folder = outputFolder(values.out as string | undefined, 'netlens-out/saliency');
      const result = await writeSaliencyMaps(model.classifier, images.images, images.names, methods, {
        target,
        seed,
        folder,
        progress: createProgress(io, 'saliency', methods.length, Boolean(values.json)),
      });
      if (values.json) {
        io.stdout(`${JSON.stringify({ backend: backend.name, model: model.name, ...result }, null, 2)}\n`);
      } else {
        io.stdout(
          `backend: ${backend.name}\n${formatTimings(result.timings)}\n\n${formatFiles(result.files)}\n`,
        );
      }
      return 0;
    } finally {
      images.images.dispose();
      model.dispose();
    }
  },
};

/** What {@link writeSaliencyMaps} wrote and how long each method took. */
export interface SaliencyMapsResult {
  files: WrittenFile[];
  timings: { method: SaliencyMethodName; milliseconds: number }[];
}

/**
 * Computes each method's maps, writes one overlay PNG per image and method and a grid
 * `saliency.png` (one row per image: the input, then each method).
 */
export async function writeSaliencyMaps(
  model: ImageClassifier,
  images: tf.Tensor4D,
  names: readonly string[],
  methods: readonly SaliencyMethodName[],
  options: {
    target: Target;
    seed: number;
    folder: string;
    progress: ReturnType<typeof createProgress>;
    gridName?: string;
  },
): Promise<SaliencyMapsResult> {
  const files: WrittenFile[] = [];
  const timings: SaliencyMapsResult['timings'] = [];
  const pictures: tf.Tensor4D[] = [];
  try {
    for (const [done, method] of methods.entries()) {
      options.progress.update(done, method);
      const start = performance.now();
      // SmoothGrad, IG and occlusion run for minutes on large models: their chunks move the bar.
      const map = await runSaliencyMethod(method, model, images, {
        target: options.target,
        seed: options.seed,
        onStep: ({ step, numSteps }) =>
          options.progress.update(done + step / numSteps, `${method} ${step}/${numSteps}`),
      });
      const picture = renderAttribution(method, images, map);
      map.dispose();
      await picture.data();
      timings.push({ method, milliseconds: performance.now() - start });
      pictures.push(picture);
      for (const [n, name] of names.entries()) {
        const one = tf.slice(picture, [n, 0, 0, 0], [1, -1, -1, -1]);
        await writePicture(
          files,
          options.folder,
          `${name}-${method}.png`,
          one,
          `${method} map of ${name}`,
          true,
        );
        one.dispose();
      }
    }
    options.progress.update(methods.length);
    const sheet = tf.tidy(() => {
      const inputs = images.shape[3] === 1 ? tf.tile(images, [1, 1, 1, 3]) : images;
      const cells: tf.Tensor4D[] = [];
      for (let n = 0; n < images.shape[0]; n++) {
        for (const column of [inputs, ...pictures])
          cells.push(tf.slice(column, [n, 0, 0, 0], [1, -1, -1, -1]));
      }
      const scale = Math.max(1, Math.floor(112 / images.shape[1]));
      const big = tf.image.resizeNearestNeighbor(tf.concat(cells), [
        images.shape[1] * scale,
        images.shape[2] * scale,
      ]);
      const labels = cells.map((_, index) =>
        index < methods.length + 1 ? (['input', ...methods][index] ?? '') : '',
      );
      return grid(big as tf.Tensor4D, {
        columns: methods.length + 1,
        padding: 2,
        background: [1, 1, 1],
        labels,
      });
    });
    await writePicture(
      files,
      options.folder,
      options.gridName ?? 'saliency.png',
      sheet,
      `every image (rows) by input and ${methods.join(', ')} (columns)`,
    );
    sheet.dispose();
    return { files, timings };
  } finally {
    options.progress.finish();
    tf.dispose(pictures);
  }
}

function formatTimings(timings: SaliencyMapsResult['timings']): string {
  return [
    '| method | ms |',
    '|---|---|',
    ...timings.map((row) => `| ${row.method} | ${row.milliseconds.toFixed(0)} |`),
  ].join('\n');
}
