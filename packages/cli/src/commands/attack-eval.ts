import {
  type AttackFunction,
  bim,
  carliniWagnerL2,
  deepFool,
  evaluateAttack,
  fgsm,
  mifgsm,
  pgd,
} from '@netlens/adversarial';
import { chooseBackend } from '../internal/choose-backend';
import { CliError } from '../internal/cli-error';
import { COMMON_HELP, COMMON_OPTIONS, type Command } from '../internal/command';
import {
  loadModelAndImages,
  MODEL_HELP_LINES,
  MODEL_OPTIONS,
  predictedClasses,
} from '../internal/model-options';
import { parseChoices, parseClass, parseNumber } from '../internal/parse-values';
import { createProgress } from '../internal/progress';

const ATTACKS = {
  fgsm: (model, images, options) => fgsm(model, images, options),
  bim: (model, images, options) => bim(model, images, options),
  pgd: (model, images, options) => pgd(model, images, options),
  'pgd-l2': (model, images, options) => pgd(model, images, { ...options, norm: 'l2' }),
  mifgsm: (model, images, options) => mifgsm(model, images, options),
  deepfool: (model, images, options) => deepFool(model, images, options),
  cw: (model, images, options) => carliniWagnerL2(model, images, options),
} satisfies Record<string, AttackFunction>;
type AttackName = keyof typeof ATTACKS;
const ATTACK_NAMES = Object.keys(ATTACKS) as AttackName[];

const DEFAULT_EPSILONS = '0,0.05,0.1,0.2,0.3';

/** `netlens attack-eval`: Foolbox-style robustness over an ε grid. */
export const attackEvalCommand: Command = {
  name: 'attack-eval',
  summary: 'success rate and robust accuracy of an attack over an ε grid (Foolbox-style)',
  help: `netlens attack-eval — run an attack at every ε of a grid and report, per ε, the success rate,
the robust accuracy and the perturbation norms (L0, L2, L∞)

Usage: netlens attack-eval [--attack <a>] [--epsilons <list>] [--model <m>] [--image <file> …] [--labels <list>]

${MODEL_HELP_LINES}
  --attack <a>       ${ATTACK_NAMES.join(', ')} (default pgd, L∞ unless pgd-l2)
  --epsilons <list>  comma-separated ε in pixel units (default ${DEFAULT_EPSILONS}); deepfool and cw
                     ignore ε and count where their perturbation is within it
  --labels <list>    the true class of each image (index or name); default: the bundled digits' own
                     labels, else the model's clean predictions
${COMMON_HELP}

Examples:
  netlens attack-eval
  netlens attack-eval --attack fgsm --epsilons 0,0.1,0.2,0.3 --json
  netlens attack-eval --image a.png --image b.png --labels 3,8 --attack cw`,
  options: {
    ...COMMON_OPTIONS,
    ...MODEL_OPTIONS,
    attack: { type: 'string', default: 'pgd' },
    epsilons: { type: 'string', default: DEFAULT_EPSILONS },
    labels: { type: 'string' },
  },
  async run(values, _positionals, io) {
    const [attack] = parseChoices('--attack', values.attack as string, ATTACK_NAMES) as [AttackName];
    const epsilons = (values.epsilons as string)
      .split(',')
      .map((value) => parseNumber('--epsilons', value.trim(), 0, { min: 0 }));
    const backend = await chooseBackend(values.backend as string | undefined);
    const { model, images } = await loadModelAndImages(values);
    try {
      const count = images.images.shape[0];
      let labels: number[];
      if (values.labels !== undefined) {
        labels = (values.labels as string)
          .split(',')
          .map((value) =>
            parseClass('--labels', value.trim(), model.classifier.numClasses, model.classNames),
          );
        if (labels.length !== count) {
          throw new CliError(`--labels: expected ${count} labels (one per image), got ${labels.length}.`);
        }
      } else if (values.image === undefined && model.samples === 'mnist' && model.name === 'mnist') {
        labels = images.names.map((name) => Number(name.replace('mnist-', '')));
      } else {
        labels = await predictedClasses(model, images.images);
      }
      const progress = createProgress(io, attack, epsilons.length, Boolean(values.json));
      const start = performance.now();
      let done = 0;
      const counted: AttackFunction = async (...args) => {
        progress.update(done, `ε = ${args[2].epsilon}`);
        const result = await ATTACKS[attack](...args);
        done++;
        return result;
      };
      const evaluation = await evaluateAttack(model.classifier, counted, images.images, labels, {
        epsilons,
      }).finally(() => {
        progress.update(done);
        progress.finish();
      });
      const milliseconds = performance.now() - start;
      if (values.json) {
        io.stdout(
          `${JSON.stringify({ backend: backend.name, model: model.name, attack, milliseconds, ...evaluation }, null, 2)}\n`,
        );
      } else {
        const rows = evaluation.results.map(
          (result) =>
            `| ${result.epsilon} | ${percent(result.successRate)} | ${percent(result.robustAccuracy)} | ${result.l2.median.toFixed(3)} | ${result.linf.median.toFixed(3)} |`,
        );
        io.stdout(
          `backend: ${backend.name}; attack: ${attack}; ${count} images; clean accuracy ${percent(evaluation.cleanAccuracy)}; ${(milliseconds / 1000).toFixed(1)} s\n\n` +
            `| ε | success rate | robust accuracy | median L2 | median L∞ |\n|---|---|---|---|---|\n${rows.join('\n')}\n`,
        );
      }
      return 0;
    } finally {
      images.images.dispose();
      model.dispose();
    }
  },
};

const percent = (fraction: number) => `${(fraction * 100).toFixed(1)} %`;
