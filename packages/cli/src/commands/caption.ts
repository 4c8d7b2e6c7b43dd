import {
  captionWordScore,
  digitStripClassifier,
  digitStripFeatures,
  MNIST_CAPTION_MAX_WORDS,
  MNIST_CAPTIONER_INFO,
  mnistCaptioner,
} from '@netlens/captioning';
import { applyColormap, grid, normalizeAttribution } from '@netlens/image';
import { mnistClassifier } from '@netlens/models';
import { integratedGradients } from '@netlens/saliency';
import * as tf from '@tensorflow/tfjs-core';
import { chooseBackend } from '../internal/choose-backend';
import { COMMON_HELP, COMMON_OPTIONS, type Command } from '../internal/command';
import { bundledSamplePaths, loadImages } from '../internal/load-images';
import { formatFiles, outputFolder, type WrittenFile, writePicture } from '../internal/output';
import { parseNumber } from '../internal/parse-values';
import { createProgress, type Progress } from '../internal/progress';

/** Slots of the bundled example strips (digits 0–9 of the bundled samples; null = empty). */
const EXAMPLE_STRIPS: readonly (readonly (number | null)[])[] = [
  [7, null, 6, 3],
  [8, 9, null, 0],
  [null, 4, 2, null],
  [1, 1, 3, 5],
  [null, null, 9, null],
];
const DIGIT_WORDS = new Set(['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine']);

/** One captioned strip and the words explained. */
export interface CaptionRow {
  image: string;
  caption: string;
  explainedWords: string[];
}

/** `netlens caption`: the bundled MNIST-strip captioner, with a saliency map per word. */
export const captionCommand: Command = {
  name: 'caption',
  summary: 'caption digit strips with the bundled LSTM captioner; a saliency map per word',
  help: `netlens caption — caption strips of up to four handwritten digits with the bundled LSTM captioner
(CS231n's captioning model, trained on real MNIST digits; held-out BLEU-4 0.966), and show which
pixels made it say each word (Integrated Gradients of the word's log-probability)

Usage: netlens caption [--image <strip.png> …] [--beam-width <n>] [--no-explain] [--out <dir>]

  --image <file>     a 28×112 grey strip (4 slots of 28×28, white digits on black); other sizes
                     are scaled; default: five strips made of the bundled sample digits
  --beam-width <n>   1 (default) decodes greedily; more keeps that many hypotheses (beam search)
  --no-explain       skip the per-word saliency maps
  --out <dir>        output folder (default netlens-out/caption): <strip>-words.png, captions.png
${COMMON_HELP}

Examples:
  netlens caption
  netlens caption --image strip.png --beam-width 3 --json`,
  options: {
    ...COMMON_OPTIONS,
    image: { type: 'string', multiple: true },
    'beam-width': { type: 'string' },
    'no-explain': { type: 'boolean', default: false },
    out: { type: 'string' },
  },
  async run(values, _positionals, io) {
    const beamWidth = parseNumber('--beam-width', values['beam-width'] as string | undefined, 1, {
      integer: true,
      min: 1,
      max: 32,
    });
    const backend = await chooseBackend(values.backend as string | undefined);
    const folder = outputFolder(values.out as string | undefined, 'netlens-out/caption');
    const strips =
      values.image === undefined ? await exampleStrips() : await readStrips(values.image as string[]);
    try {
      const result = await writeCaptions(strips.images, strips.names, {
        folder,
        beamWidth,
        explain: !values['no-explain'],
        progress: createProgress(io, 'caption', strips.names.length, Boolean(values.json)),
      });
      if (values.json) {
        io.stdout(`${JSON.stringify({ backend: backend.name, ...result }, null, 2)}\n`);
      } else {
        const rows = result.rows.map((row) => `| ${row.image} | ${row.caption} |`);
        io.stdout(
          `backend: ${backend.name}\n\n| strip | caption |\n|---|---|\n${rows.join('\n')}\n\n${formatFiles(result.files)}\n`,
        );
      }
      return 0;
    } finally {
      strips.images.dispose();
    }
  },
};

/** The bundled example strips, built from the bundled held-out sample digits. */
export async function exampleStrips(): Promise<{ images: tf.Tensor4D; names: string[] }> {
  const classifier = mnistClassifier();
  try {
    const { images: digits } = await loadImages(bundledSamplePaths('mnist'), classifier);
    const images = tf.tidy(() => {
      const blank = tf.zeros([1, 28, 28, 1]);
      const strips = EXAMPLE_STRIPS.map((slots) =>
        tf.concat(
          slots.map((digit) =>
            digit === null ? blank : tf.slice(digits, [digit, 0, 0, 0], [1, -1, -1, -1]),
          ),
          2,
        ),
      );
      return tf.concat(strips) as tf.Tensor4D;
    });
    digits.dispose();
    return {
      images,
      names: EXAMPLE_STRIPS.map((slots) => `strip-${slots.map((digit) => digit ?? '_').join('')}`),
    };
  } finally {
    classifier.dispose();
  }
}

async function readStrips(paths: readonly string[]): Promise<{ images: tf.Tensor4D; names: string[] }> {
  return loadImages(paths, { inputShape: [28, 112, 1] });
}

/**
 * Captions strips with the bundled captioner and, per strip, explains the count word and each digit
 * word with Integrated Gradients through the CNN features, writing one picture per strip and a sheet.
 */
export async function writeCaptions(
  strips: tf.Tensor4D,
  names: readonly string[],
  options: { folder: string; beamWidth: number; explain: boolean; progress: Progress },
): Promise<{ rows: CaptionRow[]; files: WrittenFile[]; milliseconds: number }> {
  const start = performance.now();
  const cnn = mnistClassifier();
  const captioner = mnistCaptioner();
  const stripModel = digitStripClassifier(cnn);
  const layers = [...MNIST_CAPTIONER_INFO.featureLayers];
  const files: WrittenFile[] = [];
  const sheetRows: tf.Tensor4D[] = [];
  const sheetLabels: string[] = [];
  try {
    const features = digitStripFeatures(cnn, strips, { layers });
    const ids = await (options.beamWidth > 1
      ? captioner.beamSearch(features, {
          beamWidth: options.beamWidth,
          maxLength: MNIST_CAPTION_MAX_WORDS + 2,
        })
      : captioner.sample(features, MNIST_CAPTION_MAX_WORDS + 2));
    features.dispose();
    const vocabulary = captioner.vocabulary;
    const rows: CaptionRow[] = [];
    for (const [n, name] of names.entries()) {
      options.progress.update(n, name);
      const caption = vocabulary.decode(ids[n] ?? []);
      const words = caption.split(' ').filter((word) => word.length > 0);
      const strip = tf.slice(strips, [n, 0, 0, 0], [1, -1, -1, -1]);
      const cells: tf.Tensor4D[] = [tf.tidy(() => tf.tile(strip, [1, 1, 1, 3]))];
      const labels = [name];
      const explained: string[] = [];
      if (options.explain && words.length > 0) {
        const wordIds = words.map((word) => vocabulary.wordToIdx.get(word) ?? vocabulary.unkId);
        const stripFeatures = (images: tf.Tensor4D) => digitStripFeatures(cnn, images, { layers });
        for (const [index, word] of words.entries()) {
          // The count word and each digit word (not the "of" in "strip of …").
          if (!(index === 0 || (DIGIT_WORDS.has(word) && words[index - 1] !== 'of'))) continue;
          const scoreFn = captionWordScore(captioner, stripFeatures, wordIds, index);
          const { attributions } = await integratedGradients(stripModel, strip, { scoreFn, numSteps: 32 });
          cells.push(
            tf.tidy(() =>
              applyColormap(normalizeAttribution(tf.abs(attributions), { signMode: 'abs' }), 'viridis'),
            ),
          );
          attributions.dispose();
          labels.push(`"${word}"`);
          explained.push(word);
        }
      }
      strip.dispose();
      const picture = tf.tidy(() => {
        const big = tf.image.resizeNearestNeighbor(tf.concat(cells), [56, 224]) as tf.Tensor4D;
        return grid(big, { columns: cells.length, padding: 2, background: [1, 1, 1], labels });
      });
      await writePicture(
        files,
        options.folder,
        `${name}-words.png`,
        picture,
        `${name}: "${caption}", and the pixels behind each word`,
        true,
      );
      picture.dispose();
      sheetRows.push(
        tf.tidy(() => tf.image.resizeNearestNeighbor(cells[0] as tf.Tensor4D, [56, 224]) as tf.Tensor4D),
      );
      sheetLabels.push(caption.length > 36 ? `${caption.slice(0, 33)}...` : caption);
      tf.dispose(cells);
      rows.push({ image: name, caption, explainedWords: explained });
    }
    options.progress.update(names.length);
    const sheet = tf.tidy(() =>
      grid(tf.concat(sheetRows), { columns: 1, padding: 4, background: [1, 1, 1], labels: sheetLabels }),
    );
    await writePicture(
      files,
      options.folder,
      'captions.png',
      sheet,
      'every strip with its generated caption',
    );
    sheet.dispose();
    return { rows, files, milliseconds: performance.now() - start };
  } finally {
    options.progress.finish();
    tf.dispose(sheetRows);
    captioner.dispose();
    cnn.dispose();
  }
}
