import { relative } from 'node:path';
import { SALIENCY_METHOD_DESCRIPTIONS, type SaliencyMethodName } from '@netlens/saliency';
import { chooseBackend } from '../internal/choose-backend';
import { COMMON_HELP, COMMON_OPTIONS, type Command } from '../internal/command';
import type { CliIo } from '../internal/io';
import { bundledSamplePaths, loadImages } from '../internal/load-images';
import { loadModel } from '../internal/load-model';
import { formatFiles, outputFolder, type WrittenFile } from '../internal/output';
import { parseNumber } from '../internal/parse-values';
import { createProgress } from '../internal/progress';
import { type ReportSection, writeReport } from '../internal/report';
import { exampleStrips, writeCaptions } from './caption';
import { writeClassVisualizations } from './classviz';
import { writeFoolingImages } from './fool';
import { writeSaliencyMaps } from './saliency';

const DEMO_METHODS: SaliencyMethodName[] = [
  'vanilla',
  'gradxinput',
  'smoothgrad',
  'ig',
  'gradcam',
  'guidedgradcam',
];

/** One part of the demo: what it wrote and how long it took. */
interface DemoPart {
  name: string;
  milliseconds: number;
  files: WrittenFile[];
  section: ReportSection;
}

/** `netlens demo`: everything netlens does, on the bundled models and images, into one folder. */
export const demoCommand: Command = {
  name: 'demo',
  summary: 'run every visualisation on the bundled models and images; PNGs and report.html',
  help: `netlens demo — the bundled MNIST classifier and sample digits through every part of netlens

Usage: netlens demo [--out <dir>] [--backend <name>] [--seed <n>] [--json]

Writes into the output folder (default ./netlens-out):
  saliency.png         every digit by input and ${DEMO_METHODS.join(', ')}
  mnist-<digit>-<method>.png  each map on its own
  fooling.png          every digit pushed into another class (CS231n fooling images), with the
                       magnified difference; mnist-<digit>-fooled.png one by one
  classviz.png         what the classifier thinks each digit looks like (CS231n class visualization),
                       classviz-steps.png every 10 steps, classviz.gif growing
  captions.png         strips of the sample digits captioned by the bundled LSTM captioner;
                       strip-<digits>-words.png: which pixels made it say each word
  report.html          all pictures in one self-contained page, with timings
and prints a summary table (backend, timings, what each file is).

  --out <dir>        output folder (default netlens-out)
${COMMON_HELP}

Examples:
  netlens demo
  netlens demo --backend cpu --out /tmp/netlens --json`,
  options: { ...COMMON_OPTIONS, out: { type: 'string' } },
  async run(values, _positionals, io) {
    const seed = parseNumber('--seed', values.seed as string | undefined, 1, { integer: true, min: 0 });
    const folder = outputFolder(values.out as string | undefined, 'netlens-out');
    const quiet = Boolean(values.json);
    const backend = await chooseBackend(values.backend as string | undefined);
    if (!quiet) io.stderr(`backend: ${backend.name} (${backend.reason})\n`);
    const parts = [
      await saliencyPart(folder, seed, io, quiet),
      await foolingPart(folder, seed, io, quiet),
      await classvizPart(folder, seed, io, quiet),
      await captionPart(folder, io, quiet),
    ];
    const report = writeReport(
      folder,
      'netlens demo',
      `Backend ${backend.name}: ${backend.reason}. Model: the bundled MNIST classifier (98.35 % held-out accuracy); images: the bundled held-out digits. Seed ${seed}.`,
      parts.map((part) => part.section),
    );
    const files = [
      ...parts.flatMap((part) => part.files),
      {
        path: relative(process.cwd(), report) || report,
        description: 'every picture and timing in one page',
      },
    ];
    if (quiet) {
      const timings = Object.fromEntries(parts.map((part) => [part.name, part.milliseconds]));
      io.stdout(
        `${JSON.stringify({ backend: backend.name, folder: relative(process.cwd(), folder) || '.', timings, files }, null, 2)}\n`,
      );
    } else {
      const table = parts.map((part) => `| ${part.name} | ${(part.milliseconds / 1000).toFixed(1)} s |`);
      io.stdout(
        `backend: ${backend.name}\n\n| part | time |\n|---|---|\n${table.join('\n')}\n\n` +
          `${formatFiles(files)}

Open ${relative(process.cwd(), report) || report} to see everything.
`,
      );
    }
    return 0;
  },
};

async function saliencyPart(folder: string, seed: number, io: CliIo, quiet: boolean): Promise<DemoPart> {
  const start = performance.now();
  const model = await loadModel('mnist');
  const { images, names } = await loadImages(bundledSamplePaths('mnist'), model.classifier);
  try {
    const { files, timings } = await writeSaliencyMaps(model.classifier, images, names, DEMO_METHODS, {
      target: 'predicted',
      seed,
      folder,
      progress: createProgress(io, 'saliency', DEMO_METHODS.length, quiet),
    });
    const grid = files.find((file) => file.path.endsWith('saliency.png'));
    return {
      name: 'saliency',
      milliseconds: performance.now() - start,
      files,
      section: {
        title: 'Saliency maps',
        text: `Which pixels made the classifier choose its class, for each bundled digit. ${DEMO_METHODS.map((method) => `${method}: ${SALIENCY_METHOD_DESCRIPTIONS[method]}`).join('; ')}.`,
        pictures: grid
          ? [{ path: grid.path, caption: 'rows: digits 0–9; columns: input, then each method' }]
          : [],
        facts: timings.map((row) => [row.method, `${row.milliseconds.toFixed(0)} ms`]),
      },
    };
  } finally {
    images.dispose();
    model.dispose();
  }
}

async function foolingPart(folder: string, seed: number, io: CliIo, quiet: boolean): Promise<DemoPart> {
  const start = performance.now();
  const model = await loadModel('mnist');
  const { images, names } = await loadImages(bundledSamplePaths('mnist'), model.classifier);
  try {
    const { rows, files } = await writeFoolingImages(model, images, names, {
      target: 'randomOther',
      seed,
      learningRate: 1,
      maxIterations: 100,
      folder,
      progress: createProgress(io, 'fooling images', 100, quiet),
    });
    const sheet = files.find((file) => file.path.endsWith('fooling.png'));
    const iterations = rows.map((row) => row.iterations).sort((a, b) => a - b);
    const fooled = rows.filter((row) => row.success).length;
    return {
      name: 'fooling images',
      milliseconds: performance.now() - start,
      files,
      section: {
        title: 'Fooling images',
        text: `CS231n's fooling images: gradient ascent on a random other class's raw score with L2-normalised steps (learning rate 1), stopping when the classifier predicts it. ${fooled} of ${rows.length} digits fooled; median ${iterations[Math.floor((iterations.length - 1) / 2)]} steps.`,
        pictures: sheet
          ? [
              {
                path: sheet.path,
                caption:
                  'per digit: original (its class), fooling image (the target class), magnified difference',
              },
            ]
          : [],
        facts: rows.map((row) => [
          row.image,
          `${row.predicted} → ${row.target}: ${row.success ? 'fooled' : 'not fooled'} in ${row.iterations} steps`,
        ]),
      },
    };
  } finally {
    images.dispose();
    model.dispose();
  }
}

async function classvizPart(folder: string, seed: number, io: CliIo, quiet: boolean): Promise<DemoPart> {
  const start = performance.now();
  const model = await loadModel('mnist');
  try {
    const classes = Array.from({ length: 10 }, (_, digit) => digit);
    const { rows, files } = await writeClassVisualizations(model, classes, {
      seed,
      iterations: 100,
      snapshotEvery: 10,
      folder,
      gif: true,
      progress: createProgress(io, 'class visualization', 100, quiet),
    });
    const picture = (name: string) => files.find((file) => file.path.endsWith(name));
    const pictures = [
      {
        file: picture('classviz.png'),
        caption: 'digits 0–9 as the classifier imagines them, with its probability',
      },
      { file: picture('classviz-steps.png'), caption: 'each digit (rows) after 10, 20, … 100 steps' },
    ].flatMap(({ file, caption }) => (file ? [{ path: file.path, caption }] : []));
    const confident = rows.filter(
      (row) => row.predicted === row.targetClass && row.probability >= 0.9,
    ).length;
    return {
      name: 'class visualization',
      milliseconds: performance.now() - start,
      files,
      section: {
        title: 'Class visualization',
        text: `CS231n's class visualization: from seeded noise, 100 steps of gradient ascent on each digit's raw score minus 1e-3·‖I‖², with jitter and a blur every 10 steps, all ten digits in one batch. The classifier assigns ${confident} of 10 images to their digit with probability ≥ 0.9.`,
        pictures,
        facts: rows.map((row) => [
          `digit ${row.targetClass}`,
          `p = ${row.probability.toFixed(3)}; objective ${row.objectiveStart.toFixed(1)} → ${row.objectiveEnd.toFixed(1)}`,
        ]),
      },
    };
  } finally {
    model.dispose();
  }
}

async function captionPart(folder: string, io: CliIo, quiet: boolean): Promise<DemoPart> {
  const start = performance.now();
  const { images, names } = await exampleStrips();
  try {
    const { rows, files } = await writeCaptions(images, names, {
      folder,
      beamWidth: 1,
      explain: true,
      progress: createProgress(io, 'captions', names.length, quiet),
    });
    const pictures = files.map((file) => ({
      path: file.path,
      caption: file.path.endsWith('captions.png')
        ? 'every strip with its generated caption'
        : file.description,
    }));
    return {
      name: 'captioning',
      milliseconds: performance.now() - start,
      files,
      section: {
        title: 'Captions with word saliency',
        text: "Strips of the bundled digits captioned greedily by the bundled LSTM captioner (CS231n's model on MNIST-CNN features; held-out BLEU-4 0.966). For the count word and each digit word, Integrated Gradients (32 steps) of that word's log-probability with respect to the strip's pixels: which pixels made the model say it.",
        pictures,
        facts: rows.map((row) => [row.image, row.caption]),
      },
    };
  } finally {
    images.dispose();
  }
}
