import { differencePicture, makeFoolingImage } from '@netlens/adversarial';
import { toCanvas } from '@netlens/image';
import * as tf from '@tensorflow/tfjs-core';
import { element, onChange, report, reportFailure, state } from '../state';

let controller: AbortController | undefined;

/** The fooling panel: CS231n's fooling image, step by step, with a stop button. */
export function setUpFooling(): void {
  const target = element<HTMLSelectElement>('fooling-target');
  onChange(() => {
    const kept = target.value;
    const random = new Option('a random other class', 'randomOther');
    const classes = state.classNames.map(
      (name, index) => new Option(`${index}: ${name.split(',')[0]}`, String(index)),
    );
    target.replaceChildren(random, ...classes);
    target.value = [...target.options].some((option) => option.value === kept) ? kept : 'randomOther';
  });
  element('fooling-run').addEventListener('click', () => void fool(target.value));
  element('fooling-stop').addEventListener('click', () => controller?.abort());
}

async function fool(targetValue: string): Promise<void> {
  const status = element('fooling-status');
  const { model, image } = state;
  if (!model || !image) {
    report(status, 'choose a model and an image first', 'error');
    return;
  }
  const run = element<HTMLButtonElement>('fooling-run');
  const stop = element<HTMLButtonElement>('fooling-stop');
  run.disabled = true;
  stop.disabled = false;
  controller = new AbortController();
  const start = performance.now();
  try {
    const result = await makeFoolingImage(model, image, {
      target: targetValue === 'randomOther' ? 'randomOther' : Number(targetValue),
      seed: Math.floor(Math.random() * 1000),
      signal: controller.signal,
      onStep: ({ step, predictions }) =>
        report(
          status,
          `step ${step}: the model says ${state.classNames[predictions[0] ?? 0]?.split(',')[0]}`,
          'busy',
        ),
    });
    const pictures = await differencePicture(image, result.images);
    const [original, fooled, difference] = tf.split(pictures, 3) as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
    await toCanvas(original, element<HTMLCanvasElement>('fooling-original'));
    await toCanvas(fooled, element<HTMLCanvasElement>('fooling-canvas'));
    await toCanvas(difference, element<HTMLCanvasElement>('fooling-difference'));
    const after = tf.tidy(() => tf.argMax(model.logits(result.images), 1));
    const [predicted] = await after.data();
    tf.dispose([pictures, original, fooled, difference, after, result.images]);
    const target = result.targets[0] ?? 0;
    const name = (index: number) => state.classNames[index]?.split(',')[0] ?? String(index);
    element('fooling-canvas').dataset.predicted = String(predicted);
    element('fooling-canvas').dataset.target = String(target);
    element('fooling-caption').textContent = `classified as ${name(predicted ?? 0)} (target ${name(target)})`;
    report(
      status,
      `${result.success[0] ? 'fooled' : 'not fooled'} in ${result.iterations[0]} steps, ${(performance.now() - start).toFixed(0)} ms on ${state.backend}`,
      'done',
    );
  } catch (error) {
    reportFailure(status, error);
  } finally {
    run.disabled = false;
    stop.disabled = true;
  }
}
