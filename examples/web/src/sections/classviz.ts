import { createClassVisualization } from '@netlens/classviz';
import { toCanvas } from '@netlens/image';
import * as tf from '@tensorflow/tfjs-core';
import { element, onChange, report, reportFailure, state } from '../state';

let controller: AbortController | undefined;

/** The class-visualization panel: the image grows live, with its objective charted and a stop button. */
export function setUpClassviz(): void {
  const select = element<HTMLSelectElement>('classviz-class');
  onChange(() => {
    const kept = select.value;
    select.replaceChildren(
      ...state.classNames.map((name, index) => new Option(`${index}: ${name.split(',')[0]}`, String(index))),
    );
    select.value = [...select.options].some((option) => option.value === kept) ? kept : '0';
  });
  element('classviz-run').addEventListener('click', () => void visualize(Number(select.value)));
  element('classviz-stop').addEventListener('click', () => controller?.abort());
}

function drawChart(objectives: readonly number[], total: number): void {
  const chart = element('classviz-chart');
  if (objectives.length === 0) return;
  const low = Math.min(...objectives);
  const high = Math.max(...objectives);
  const x = (step: number) => 10 + (400 * step) / Math.max(1, total - 1);
  const y = (value: number) => 214 - (204 * (value - low)) / Math.max(1e-9, high - low);
  const points = objectives.map((value, step) => `${x(step).toFixed(1)},${y(value).toFixed(1)}`).join(' ');
  chart.innerHTML = `<rect x="0" y="0" width="420" height="224" fill="#fafafa" stroke="#ddd"/><polyline fill="none" stroke="#0a66c2" stroke-width="2" points="${points}"/><text x="12" y="20" font-size="12" fill="#555">${high.toFixed(2)}</text><text x="12" y="210" font-size="12" fill="#555">${low.toFixed(2)}</text>`;
}

async function visualize(targetClass: number): Promise<void> {
  const status = element('classviz-status');
  const { model } = state;
  if (!model) {
    report(status, 'choose a model first', 'error');
    return;
  }
  const steps = Math.max(
    1,
    Math.min(2000, Math.round(Number(element<HTMLInputElement>('classviz-steps').value) || 100)),
  );
  const run = element<HTMLButtonElement>('classviz-run');
  const stop = element<HTMLButtonElement>('classviz-stop');
  const canvas = element<HTMLCanvasElement>('classviz-canvas');
  run.disabled = true;
  stop.disabled = false;
  controller = new AbortController();
  const objectives: number[] = [];
  const start = performance.now();
  try {
    const result = await createClassVisualization(model, targetClass, {
      numIterations: steps,
      snapshotEvery: 5,
      seed: 1,
      signal: controller.signal,
      onStep: async ({ step, objective, image }) => {
        objectives.push(objective);
        canvas.dataset.steps = String(step);
        if (image) {
          await toCanvas(image, canvas);
          drawChart(objectives, steps);
          report(status, `step ${step} of ${steps}: objective ${objective.toFixed(2)}`, 'busy');
        }
      },
    });
    await toCanvas(result.image, canvas);
    drawChart(objectives, steps);
    const probability = tf.tidy(() =>
      tf.slice(tf.softmax(model.logits(result.image)), [0, targetClass], [1, 1]),
    );
    const [value] = await probability.data();
    tf.dispose([probability, result.image]);
    const tenth = Math.max(1, Math.floor(objectives.length / 10));
    const first = objectives.slice(0, tenth).reduce((a, b) => a + b, 0) / tenth;
    const last = objectives.slice(-tenth).reduce((a, b) => a + b, 0) / tenth;
    canvas.dataset.probability = String(value);
    canvas.dataset.objectiveRise = String(last - first);
    element('classviz-caption').textContent =
      `the model gives it ${((value ?? 0) * 100).toFixed(1)} % ${state.classNames[targetClass]?.split(',')[0]}`;
    report(
      status,
      `${steps} steps in ${((performance.now() - start) / 1000).toFixed(1)} s on ${state.backend}`,
      'done',
    );
  } catch (error) {
    reportFailure(status, error);
  } finally {
    run.disabled = false;
    stop.disabled = true;
  }
}
