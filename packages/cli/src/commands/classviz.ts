import { join, relative } from 'node:path';
import { createClassVisualization } from '@netlens/classviz';
import { encodeGif, grid } from '@netlens/image';
import * as tf from '@tensorflow/tfjs-core';
import { chooseBackend } from '../internal/choose-backend';
import { CliError } from '../internal/cli-error';
import { COMMON_HELP, COMMON_OPTIONS, type Command } from '../internal/command';
import { type LoadedModel, loadModel } from '../internal/load-model';
import { className } from '../internal/model-options';
import {
  formatFiles,
  outputFolder,
  type WrittenFile,
  writeOutputBytes,
  writePicture,
} from '../internal/output';
import { parseClass, parseNumber, parseTimeout } from '../internal/parse-values';
import { createProgress, type Progress } from '../internal/progress';

/** Per class: the visualization's final score and probability under the model. */
export interface ClassVisualizationRow {
  targetClass: number;
  name: string;
  probability: number;
  predicted: number;
  objectiveStart: number;
  objectiveEnd: number;
}

/** `netlens classviz`: CS231n's class visualization, one image per class. */
export const classvizCommand: Command = {
  name: 'classviz',
  summary: 'class visualizations (CS231n): images the model finds most like each class',
  help: `netlens classviz — CS231n's class visualization: from noise, gradient ascent on the class's raw
score minus an L2 penalty, with jitter and periodic blur; one image per class, in one batch

Usage: netlens classviz [--model <m>] [--class <list>] [--iterations <n>] [--out <dir>] [--gif]

  --model <m>          mnist (default), squeezenet (with --weights), or a model.json path or URL
  --weights <file>     SqueezeNet 1.1 weights (see netlens saliency --help)
  --preprocess <p>     for path/URL models: imagenet, inception, caffe or none (default)
  --timeout <s>        for URL models: seconds each download may take (default 60)
  --class <list>       comma-separated class indices or names (default: every class of mnist)
  --iterations <n>     gradient-ascent steps (default 100, CS231n)
  --learning-rate <x>  L2 length of each step in pixels, > 0 (default: CS231n's 25 scaled to the image)
  --l2-reg <x>         L2 penalty weight (default 1e-3, CS231n)
  --snapshot-every <n> keep the image every n steps for the strip and the GIF (default 10)
  --gif                also write classviz.gif, the images growing step by step
  --out <dir>          output folder (default netlens-out/classviz)
${COMMON_HELP}

Examples:
  netlens classviz
  netlens classviz --class 3,8 --iterations 200 --gif
  netlens classviz --model squeezenet --weights sq/model.json --class tarantula,flamingo`,
  options: {
    ...COMMON_OPTIONS,
    model: { type: 'string', default: 'mnist' },
    weights: { type: 'string' },
    preprocess: { type: 'string' },
    timeout: { type: 'string' },
    class: { type: 'string' },
    iterations: { type: 'string' },
    'learning-rate': { type: 'string' },
    'l2-reg': { type: 'string' },
    'snapshot-every': { type: 'string' },
    gif: { type: 'boolean', default: false },
    out: { type: 'string' },
  },
  async run(values, _positionals, io) {
    const seed = parseNumber('--seed', values.seed as string | undefined, 1, { integer: true, min: 0 });
    const iterations = parseNumber('--iterations', values.iterations as string | undefined, 100, {
      integer: true,
      min: 1,
    });
    const snapshotEvery = parseNumber(
      '--snapshot-every',
      values['snapshot-every'] as string | undefined,
      10,
      {
        integer: true,
        min: 1,
      },
    );
    const learningRate =
      values['learning-rate'] === undefined
        ? undefined
        : parseNumber('--learning-rate', values['learning-rate'] as string, 0, { greaterThan: 0 });
    const l2Reg =
      values['l2-reg'] === undefined
        ? undefined
        : parseNumber('--l2-reg', values['l2-reg'] as string, 0, { min: 0 });
    const backend = await chooseBackend(values.backend as string | undefined);
    const timeoutMs = parseTimeout(values.timeout as string | undefined);
    const model = await loadModel(values.model as string, {
      weights: values.weights as string | undefined,
      preprocess: values.preprocess as string | undefined,
      timeoutMs,
    });
    try {
      const classes = parseClasses(values.class as string | undefined, model);
      const folder = outputFolder(values.out as string | undefined, 'netlens-out/classviz');
      const result = await writeClassVisualizations(model, classes, {
        seed,
        iterations,
        snapshotEvery,
        folder,
        gif: Boolean(values.gif),
        progress: createProgress(io, 'classviz', iterations, Boolean(values.json)),
        ...(learningRate === undefined ? {} : { learningRate }),
        ...(l2Reg === undefined ? {} : { l2Reg }),
      });
      if (values.json) {
        io.stdout(`${JSON.stringify({ backend: backend.name, model: model.name, ...result }, null, 2)}\n`);
      } else {
        const rows = result.rows.map(
          (row) =>
            `| ${className(model, row.targetClass)} | ${(row.probability * 100).toFixed(1)} % | ${row.objectiveStart.toFixed(2)} → ${row.objectiveEnd.toFixed(2)} |`,
        );
        io.stdout(
          `backend: ${backend.name}; ${iterations} steps in ${(result.milliseconds / 1000).toFixed(1)} s\n\n| class | probability of the class | objective, first → last step |\n|---|---|---|\n${rows.join('\n')}\n\n${formatFiles(result.files)}\n`,
        );
      }
      return 0;
    } finally {
      model.dispose();
    }
  },
};

function parseClasses(value: string | undefined, model: LoadedModel): number[] {
  if (value === undefined || value === 'all') {
    if (model.classifier.numClasses > 20) {
      throw new CliError(
        `--class: name the classes to visualize; the model has ${model.classifier.numClasses}.`,
      );
    }
    return Array.from({ length: model.classifier.numClasses }, (_, k) => k);
  }
  return value
    .split(',')
    .map((entry) => parseClass('--class', entry.trim(), model.classifier.numClasses, model.classNames));
}

/**
 * Runs one batched class visualization and writes the final images (`classviz.png`, one
 * `class-<k>.png` each), the CS231n iteration strip (`classviz-steps.png`) and optionally a GIF.
 */
export async function writeClassVisualizations(
  model: LoadedModel,
  classes: readonly number[],
  options: {
    seed: number;
    iterations: number;
    snapshotEvery: number;
    folder: string;
    gif: boolean;
    progress: Progress;
    learningRate?: number;
    l2Reg?: number;
  },
): Promise<{ rows: ClassVisualizationRow[]; files: WrittenFile[]; milliseconds: number }> {
  const start = performance.now();
  const snapshots: tf.Tensor4D[] = [];
  const files: WrittenFile[] = [];
  let image: tf.Tensor4D | undefined;
  try {
    const result = await createClassVisualization(model.classifier, classes, {
      numIterations: options.iterations,
      seed: options.seed,
      snapshotEvery: options.snapshotEvery,
      ...(options.learningRate === undefined ? {} : { learningRate: options.learningRate }),
      ...(options.l2Reg === undefined ? {} : { l2Reg: options.l2Reg }),
      onStep: ({ step, objective, image: snapshot }) => {
        options.progress.update(step, `objective ${objective.toFixed(2)}`);
        if (snapshot) snapshots.push(tf.clone(snapshot));
      },
    }).finally(() => options.progress.finish());
    image = result.image;
    const milliseconds = performance.now() - start;
    const probabilities = tf.tidy(() => tf.softmax(model.classifier.logits(result.image)));
    const values = await probabilities.array();
    probabilities.dispose();
    const rows = classes.map((targetClass, n) => {
      const row = values[n] as number[];
      // objectives[step][image]
      return {
        targetClass,
        name: model.classNames?.[targetClass]?.split(',')[0] ?? String(targetClass),
        probability: row[targetClass] as number,
        predicted: row.indexOf(Math.max(...row)),
        objectiveStart: result.objectives[0]?.[n] as number,
        objectiveEnd: result.objectives.at(-1)?.[n] as number,
      };
    });
    const [height] = result.image.shape.slice(1) as [number];
    const scale = Math.max(1, Math.floor(112 / height));
    const enlarge = (batch: tf.Tensor4D) =>
      tf.tidy(() => {
        const rgb = batch.shape[3] === 1 ? tf.tile(batch, [1, 1, 1, 3]) : batch;
        return tf.image.resizeNearestNeighbor(rgb, [
          batch.shape[1] * scale,
          batch.shape[2] * scale,
        ]) as tf.Tensor4D;
      });
    const big = enlarge(result.image);
    for (const [n, row] of rows.entries()) {
      const one = tf.slice(big, [n, 0, 0, 0], [1, -1, -1, -1]);
      await writePicture(
        files,
        options.folder,
        `class-${row.targetClass}.png`,
        one,
        `class ${row.targetClass} (${row.name}): p = ${row.probability.toFixed(3)}`,
        true,
      );
      one.dispose();
    }
    const sheet = tf.tidy(() =>
      grid(big, {
        columns: Math.min(10, rows.length),
        padding: 2,
        background: [1, 1, 1],
        labels: rows.map((row) => `${row.targetClass}: ${row.probability.toFixed(2)}`),
      }),
    );
    big.dispose();
    await writePicture(
      files,
      options.folder,
      'classviz.png',
      sheet,
      'one visualization per class, labelled with its probability',
    );
    sheet.dispose();
    if (snapshots.length > 0) {
      // CS231n's iteration strip: one row per class, one column per snapshot.
      const strip = tf.tidy(() => {
        const cells: tf.Tensor4D[] = [];
        for (let n = 0; n < rows.length; n++) {
          for (const snapshot of snapshots) cells.push(tf.slice(snapshot, [n, 0, 0, 0], [1, -1, -1, -1]));
        }
        const labels = cells.map((_, index) =>
          index < snapshots.length
            ? `${Math.min(options.iterations, (index + 1) * options.snapshotEvery)}`
            : '',
        );
        return grid(enlarge(tf.concat(cells)), {
          columns: snapshots.length,
          padding: 2,
          background: [1, 1, 1],
          labels,
        });
      });
      await writePicture(
        files,
        options.folder,
        'classviz-steps.png',
        strip,
        'each class (rows) every few steps (columns)',
      );
      strip.dispose();
      if (options.gif) {
        const frames = snapshots.map((snapshot) =>
          tf.tidy(() =>
            grid(enlarge(snapshot), {
              columns: Math.min(10, rows.length),
              padding: 2,
              background: [1, 1, 1],
            }),
          ),
        );
        const bytes = await encodeGif(frames, { delayMs: 150 });
        tf.dispose(frames);
        const path = join(options.folder, 'classviz.gif');
        writeOutputBytes(path, bytes);
        files.push({
          path: relative(process.cwd(), path) || path,
          description: 'the visualizations growing step by step',
        });
      }
    }
    return { rows, files, milliseconds };
  } finally {
    image?.dispose();
    tf.dispose(snapshots);
  }
}
