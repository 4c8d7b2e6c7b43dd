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
    const parts = [await saliencyPart(folder, seed, io, quiet)];
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
          `${formatFiles(files.filter((file) => !file.description.includes(' map of ')))}\n\n` +
          `(and ${files.filter((file) => file.description.includes(' map of ')).length} single maps <image>-<method>.png in ${relative(process.cwd(), folder) || '.'}; open report.html)\n`,
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
