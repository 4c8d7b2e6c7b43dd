import { normalizeAttribution, overlay, toCanvas } from '@netlens/image';
import {
  runSaliencyMethod,
  SALIENCY_METHOD_DESCRIPTIONS,
  SALIENCY_METHOD_NAMES,
  type SaliencyMethodName,
} from '@netlens/saliency';
import * as tf from '@tensorflow/tfjs-core';
import { element, nextFrame, onChange, report, state } from '../state';

/** The saliency panel: a method, a class, and the map over the image. */
export function setUpSaliency(): void {
  const method = element<HTMLSelectElement>('saliency-method');
  method.replaceChildren(
    ...SALIENCY_METHOD_NAMES.map((name) => {
      const option = document.createElement('option');
      option.value = name;
      option.textContent = `${name} — ${SALIENCY_METHOD_DESCRIPTIONS[name]}`;
      return option;
    }),
  );
  const target = element<HTMLSelectElement>('saliency-target');
  onChange(() => {
    const kept = target.value;
    const options = state.classNames.map((name, index) => {
      const option = document.createElement('option');
      option.value = String(index);
      option.textContent = `${index}: ${name.split(',')[0]}`;
      return option;
    });
    const predicted = document.createElement('option');
    predicted.value = 'predicted';
    predicted.textContent = 'predicted';
    target.replaceChildren(predicted, ...options);
    target.value = [...target.options].some((option) => option.value === kept) ? kept : 'predicted';
    report(element('saliency-status'), '', 'idle');
  });
  element('saliency-run').addEventListener(
    'click',
    () => void explain(method.value as SaliencyMethodName, target.value),
  );
}

async function explain(method: SaliencyMethodName, targetValue: string): Promise<void> {
  const status = element('saliency-status');
  const { model, image } = state;
  if (!model || !image) {
    report(status, 'choose a model and an image first', 'error');
    return;
  }
  const button = element<HTMLButtonElement>('saliency-run');
  button.disabled = true;
  report(status, `running ${method} on ${state.backend}…`, 'busy');
  await nextFrame();
  const start = performance.now();
  try {
    const target = targetValue === 'predicted' ? 'predicted' : Number(targetValue);
    const map = await runSaliencyMethod(method, model, image, { target });
    const signed = method === 'gradxinput' || method === 'ig';
    const picture = tf.tidy(() =>
      overlay(image, normalizeAttribution(signed ? tf.abs(map) : map, { signMode: 'abs' }), {
        alpha: 0.55,
        colormap: 'jet',
      }),
    );
    map.dispose();
    await toCanvas(picture, element<HTMLCanvasElement>('saliency-canvas'));
    picture.dispose();
    const milliseconds = performance.now() - start;
    element('saliency-caption').textContent =
      `${method}, class ${targetValue}, ${milliseconds.toFixed(0)} ms on ${state.backend}`;
    report(status, `done in ${milliseconds.toFixed(0)} ms`, 'done');
  } catch (error) {
    report(status, (error as Error).message, 'error');
  } finally {
    button.disabled = false;
  }
}
