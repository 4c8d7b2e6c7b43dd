import { differencePicture, makeFoolingImage } from '@netlens/adversarial';
import { grid } from '@netlens/image';
import * as tf from '@tensorflow/tfjs-core';
import { chooseBackend } from '../internal/choose-backend';
import { COMMON_HELP, COMMON_OPTIONS, type Command } from '../internal/command';
import type { LoadedModel } from '../internal/load-model';
import {
  className,
  loadModelAndImages,
  MODEL_HELP_LINES,
  MODEL_OPTIONS,
  predictedClasses,
} from '../internal/model-options';
import { formatFiles, outputFolder, type WrittenFile, writePicture } from '../internal/output';
import { parseClass, parseNumber } from '../internal/parse-values';
import { createProgress, type Progress } from '../internal/progress';

/** Per image: what the fooling run did. */
export interface FoolingRow {
  image: string;
  predicted: number;
  target: number;
  iterations: number;
  success: boolean;
}

/** `netlens fool`: CS231n's fooling images. */
export const foolCommand: Command = {
  name: 'fool',
  summary: 'fooling images (CS231n): the smallest push that makes the model say another class',
  help: `netlens fool — CS231n's fooling images: gradient ascent on the target class's raw score with
L2-normalised steps until the model predicts the target

Usage: netlens fool [--model <m>] [--image <file> …] [--target <class>] [--out <dir>]

${MODEL_HELP_LINES}
  --target <class>      random-other (default: a random class other than the prediction, seeded),
                        least-likely, or a class index or name for every image
  --learning-rate <x>   L2 length of each step in pixel units, > 0 (default 1, CS231n)
  --max-iterations <n>  give up after n steps (default 100, CS231n)
  --out <dir>           output folder (default netlens-out/fool): <image>-fooled.png (original,
                        fooling image, magnified difference) and fooling.png (all images)
${COMMON_HELP}

Examples:
  netlens fool
  netlens fool --image digit.png --target 8 --out fooled
  netlens fool --model ./mobilenet/model.json --preprocess inception --image cat.jpg --target goldfish`,
  options: {
    ...COMMON_OPTIONS,
    ...MODEL_OPTIONS,
    target: { type: 'string' },
    'learning-rate': { type: 'string' },
    'max-iterations': { type: 'string' },
    out: { type: 'string' },
  },
  async run(values, _positionals, io) {
    const seed = parseNumber('--seed', values.seed as string | undefined, 1, { integer: true, min: 0 });
    const learningRate = parseNumber('--learning-rate', values['learning-rate'] as string | undefined, 1, {
      greaterThan: 0,
    });
    const maxIterations = parseNumber(
      '--max-iterations',
      values['max-iterations'] as string | undefined,
      100,
      {
        integer: true,
        min: 1,
      },
    );
    const backend = await chooseBackend(values.backend as string | undefined);
    const { model, images } = await loadModelAndImages(values);
    try {
      const target = parseFoolingTarget(values.target as string | undefined, model);
      const folder = outputFolder(values.out as string | undefined, 'netlens-out/fool');
      const quiet = Boolean(values.json);
      const result = await writeFoolingImages(model, images.images, images.names, {
        target,
        seed,
        learningRate,
        maxIterations,
        folder,
        progress: createProgress(io, 'fool', maxIterations, quiet),
      });
      if (quiet) {
        io.stdout(`${JSON.stringify({ backend: backend.name, model: model.name, ...result }, null, 2)}\n`);
      } else {
        const rows = result.rows.map(
          (row) =>
            `| ${row.image} | ${className(model, row.predicted)} | ${className(model, row.target)} | ${row.success ? 'yes' : 'no'} | ${row.iterations} |`,
        );
        io.stdout(
          `backend: ${backend.name}\n\n| image | predicted | target | fooled | iterations |\n|---|---|---|---|---|\n${rows.join('\n')}\n\n${formatFiles(result.files)}\n`,
        );
      }
      return 0;
    } finally {
      images.images.dispose();
      model.dispose();
    }
  },
};

type FoolingTarget = 'randomOther' | 'leastLikely' | number;

function parseFoolingTarget(value: string | undefined, model: LoadedModel): FoolingTarget {
  if (value === undefined || value === 'random-other') return 'randomOther';
  if (value === 'least-likely') return 'leastLikely';
  return parseClass('--target', value, model.classifier.numClasses, model.classNames);
}

/**
 * Makes the fooling images and writes, per image, the original, the fooling image and the magnified
 * difference side by side, plus one sheet of all of them.
 */
export async function writeFoolingImages(
  model: LoadedModel,
  images: tf.Tensor4D,
  names: readonly string[],
  options: {
    target: FoolingTarget;
    seed: number;
    learningRate: number;
    maxIterations: number;
    folder: string;
    progress: Progress;
    sheetName?: string;
  },
): Promise<{ rows: FoolingRow[]; files: WrittenFile[]; milliseconds: number }> {
  const start = performance.now();
  const predicted = await predictedClasses(model, images);
  const fooled = await makeFoolingImage(model.classifier, images, {
    target: options.target,
    seed: options.seed,
    learningRate: options.learningRate,
    maxIterations: options.maxIterations,
    onStep: ({ step, fooled: done }) => options.progress.update(step, `${done}/${images.shape[0]} fooled`),
  }).finally(() => options.progress.finish());
  const milliseconds = performance.now() - start;
  const files: WrittenFile[] = [];
  let pictures: tf.Tensor4D | undefined;
  try {
    pictures = await differencePicture(images, fooled.images);
    const rgb =
      pictures.shape[3] === 1 ? tf.tidy(() => tf.tile(pictures as tf.Tensor4D, [1, 1, 1, 3])) : pictures;
    const scale = Math.max(1, Math.floor(112 / images.shape[1]));
    const big = tf.tidy(() =>
      tf.image.resizeNearestNeighbor(rgb, [images.shape[1] * scale, images.shape[2] * scale]),
    ) as tf.Tensor4D;
    if (rgb !== pictures) rgb.dispose();
    const rows: FoolingRow[] = names.map((image, n) => ({
      image,
      predicted: predicted[n] as number,
      target: fooled.targets[n] as number,
      iterations: fooled.iterations[n] as number,
      success: fooled.success[n] as boolean,
    }));
    for (const [n, row] of rows.entries()) {
      const triptych = tf.tidy(() =>
        grid(tf.slice(big, [3 * n, 0, 0, 0], [3, -1, -1, -1]), {
          columns: 3,
          padding: 2,
          background: [1, 1, 1],
        }),
      );
      await writePicture(
        files,
        options.folder,
        `${row.image}-fooled.png`,
        triptych,
        `${row.image}: original (${className(model, row.predicted)}), fooling image (${row.success ? '' : 'not '}${className(model, row.target)} after ${row.iterations} steps), difference`,
        true,
      );
      triptych.dispose();
    }
    const labels = rows.flatMap((row) => [
      `${className(model, row.predicted).split(' ')[0]}`,
      `${row.success ? '' : 'x'}${className(model, row.target).split(' ')[0]}`,
      'diff',
    ]);
    const sheet = tf.tidy(() => grid(big, { columns: 6, padding: 2, background: [1, 1, 1], labels }));
    big.dispose();
    await writePicture(
      files,
      options.folder,
      options.sheetName ?? 'fooling.png',
      sheet,
      'every image: original (its class), fooling image (the target), magnified difference',
    );
    sheet.dispose();
    return { rows, files, milliseconds };
  } finally {
    pictures?.dispose();
    fooled.images.dispose();
  }
}
