import {
  captionWordScore,
  digitStripClassifier,
  digitStripFeatures,
  MNIST_CAPTION_MAX_WORDS,
  MNIST_CAPTIONER_INFO,
  mnistCaptioner,
} from '@netlens/captioning';
import { applyColormap, fromCanvas, normalizeAttribution, toCanvas } from '@netlens/image';
import { mnistClassifier } from '@netlens/models';
import { integratedGradients } from '@netlens/saliency';
import * as tf from '@tensorflow/tfjs-core';
import { element, nextFrame, report, state } from '../state';
import { sampleUrl } from './setup';

const DIGIT_WORDS = new Set(['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine']);
const START = ['7', '', '6', '3'];

/** The captioning panel: four slot pickers, the caption, and one saliency map per word. */
export function setUpCaptioning(): void {
  element('caption-slots').replaceChildren(
    ...START.map((digit, slot) => {
      const select = document.createElement('select');
      select.id = `caption-slot-${slot}`;
      select.title = `slot ${slot + 1}`;
      select.append(
        new Option('empty', ''),
        ...Array.from({ length: 10 }, (_, d) => new Option(String(d), String(d))),
      );
      select.value = digit;
      return select;
    }),
  );
  element('caption-run').addEventListener('click', () => void caption());
}

async function digitImage(digit: number): Promise<tf.Tensor4D> {
  const image = new Image();
  image.src = sampleUrl(`mnist-${digit}`);
  await image.decode();
  return tf.tidy(() => tf.mean(fromCanvas(image), 3, true) as tf.Tensor4D);
}

async function caption(): Promise<void> {
  const status = element('caption-status');
  const run = element<HTMLButtonElement>('caption-run');
  run.disabled = true;
  report(status, `captioning on ${state.backend}…`, 'busy');
  const slots = START.map((_, slot) => element<HTMLSelectElement>(`caption-slot-${slot}`).value);
  const cnn = mnistClassifier();
  const captioner = mnistCaptioner();
  const layers = [...MNIST_CAPTIONER_INFO.featureLayers];
  const start = performance.now();
  const cells = await Promise.all(
    slots.map((digit) =>
      digit === '' ? Promise.resolve(tf.zeros([1, 28, 28, 1]) as tf.Tensor4D) : digitImage(Number(digit)),
    ),
  );
  const strip = tf.concat(cells, 2) as tf.Tensor4D;
  tf.dispose(cells);
  const container = element('caption-words');
  container.replaceChildren();
  try {
    const features = digitStripFeatures(cnn, strip, { layers });
    const [ids] = await captioner.sample(features, MNIST_CAPTION_MAX_WORDS + 2);
    features.dispose();
    const vocabulary = captioner.vocabulary;
    const text = vocabulary.decode(ids ?? []);
    element('caption-text').textContent = `“${text}”`;
    element('caption-text').dataset.caption = text;
    const words = text.split(' ');
    const wordIds = words.map((word) => vocabulary.wordToIdx.get(word) ?? vocabulary.unkId);
    const stripFeatures = (images: tf.Tensor4D) => digitStripFeatures(cnn, images, { layers });
    const stripModel = digitStripClassifier(cnn);
    for (const [index, word] of words.entries()) {
      if (!(index === 0 || (DIGIT_WORDS.has(word) && words[index - 1] !== 'of'))) continue;
      report(status, `explaining “${word}”…`, 'busy');
      await nextFrame();
      const scoreFn = captionWordScore(captioner, stripFeatures, wordIds, index);
      const { attributions } = await integratedGradients(stripModel, strip, { scoreFn, numSteps: 16 });
      const picture = tf.tidy(() =>
        applyColormap(normalizeAttribution(tf.abs(attributions), { signMode: 'abs' }), 'viridis'),
      );
      attributions.dispose();
      const figure = document.createElement('figure');
      const canvas = document.createElement('canvas');
      canvas.dataset.word = word;
      await toCanvas(picture, canvas);
      picture.dispose();
      const label = document.createElement('figcaption');
      label.textContent = `“${word}”`;
      figure.append(canvas, label);
      container.append(figure);
    }
    report(status, `done in ${(performance.now() - start).toFixed(0)} ms on ${state.backend}`, 'done');
  } catch (error) {
    report(status, (error as Error).message, 'error');
  } finally {
    strip.dispose();
    captioner.dispose();
    cnn.dispose();
    run.disabled = false;
  }
}
