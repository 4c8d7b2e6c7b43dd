import { selectBackend } from '@netlens/backends';
import { fromCanvas, resizeAndCenterCrop, toCanvas } from '@netlens/image';
import { IMAGENET_CLASSES, loadClassifier, mnistClassifier } from '@netlens/models';
import * as tf from '@tensorflow/tfjs-core';
import { changed, element, report, state } from '../state';

const samples = import.meta.glob('../../../../packages/models/assets/samples/*.png', {
  query: '?url',
  import: 'default',
  eager: true,
}) as Record<string, string>;
/** The bundled sample image `name` (`mnist-3`, `chelsea`, …) as a URL. */
export const sampleUrl = (name: string) =>
  Object.entries(samples).find(([path]) => path.endsWith(`/${name}.png`))?.[1] ?? '';
const DIGITS = Array.from({ length: 10 }, (_, digit) => `mnist-${digit}`);
const PHOTOS = ['astronaut', 'chelsea', 'coffee', 'rocket'];

let source: HTMLImageElement | undefined;

/** Sets up the backend, model and image pickers; resolves when the first model and image are ready. */
export async function setUp(): Promise<void> {
  const backendSelect = element<HTMLSelectElement>('backend-select');
  const requested = new URLSearchParams(location.search).get('backend');
  if (requested && [...backendSelect.options].some((option) => option.value === requested)) {
    backendSelect.value = requested;
  }
  backendSelect.addEventListener('change', () => void activateBackend(backendSelect.value));
  const modelSelect = element<HTMLSelectElement>('model-select');
  modelSelect.addEventListener('change', () => {
    element('model-url-fields').hidden = modelSelect.value !== 'url';
    if (modelSelect.value === 'mnist') void useModel('mnist');
  });
  element('model-load').addEventListener('click', () => void useModel('url'));
  element<HTMLInputElement>('image-file').addEventListener('change', (event) => {
    const file = (event.target as HTMLInputElement).files?.[0];
    if (file) void useFile(file);
  });
  const drop = element('drop-zone');
  drop.addEventListener('dragover', (event) => {
    event.preventDefault();
    drop.classList.add('over');
  });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (event) => {
    event.preventDefault();
    drop.classList.remove('over');
    const file = event.dataTransfer?.files[0];
    if (file) void useFile(file);
  });
  await activateBackend(backendSelect.value);
}

async function activateBackend(name: string): Promise<void> {
  const status = element('backend-status');
  report(status, `starting ${name}…`, 'busy');
  try {
    const selected = await selectBackend(
      name === 'auto' ? 'auto' : [name as 'webgpu' | 'webgl' | 'wasm' | 'cpu'],
    );
    state.backend = selected.name;
    status.dataset.active = selected.name;
    const skipped = selected.skipped.map((failure) => `${failure.backend}: ${failure.reason}`).join('; ');
    report(
      status,
      `active: ${selected.name} — ${selected.reason}${skipped ? ` (passed over ${skipped})` : ''}`,
      'done',
    );
  } catch (error) {
    status.dataset.active = '';
    report(status, `${name} cannot run here: ${(error as Error).message}`, 'error');
    return;
  }
  // Tensors belong to the backend that made them: rebuild the model and the image on the new one.
  await useModel(element<HTMLSelectElement>('model-select').value === 'url' ? 'url' : 'mnist');
}

async function useModel(kind: 'mnist' | 'url'): Promise<void> {
  const status = element('model-status');
  try {
    report(status, 'loading…', 'busy');
    const next =
      kind === 'mnist'
        ? mnistClassifier()
        : await loadClassifier(element<HTMLInputElement>('model-url').value, {
            preprocess: element<HTMLSelectElement>('model-preprocess').value as 'inception',
            onProgress: (fraction) => report(status, `loading ${Math.round(fraction * 100)} %`, 'busy'),
          });
    state.model?.dispose();
    state.model = next;
    state.classNames =
      next.classNames ??
      (next.numClasses === 1000
        ? IMAGENET_CLASSES
        : Array.from({ length: next.numClasses }, (_, k) => String(k)));
    report(
      status,
      `${kind === 'mnist' ? 'MNIST CNN' : 'loaded'}: input ${next.inputShape.join('×')}, ${next.numClasses} classes`,
      'done',
    );
    showSamples(next.inputShape[2] === 1 ? DIGITS : PHOTOS);
  } catch (error) {
    report(status, `cannot load the model: ${(error as Error).message}`, 'error');
  }
}

function showSamples(names: readonly string[]): void {
  const strip = element('samples');
  strip.replaceChildren(
    ...names.map((name) => {
      const image = document.createElement('img');
      image.src = sampleUrl(name);
      image.alt = name;
      image.title = name;
      image.dataset.sample = name;
      image.addEventListener('click', () => {
        for (const other of strip.querySelectorAll('img')) other.classList.toggle('chosen', other === image);
        void useImage(image);
      });
      return image;
    }),
  );
  const first = strip.querySelector<HTMLImageElement>(names === DIGITS ? '[data-sample="mnist-3"]' : 'img');
  first?.click();
}

async function useFile(file: File): Promise<void> {
  const image = new Image();
  image.src = URL.createObjectURL(file);
  await useImage(image);
}

async function useImage(image: HTMLImageElement): Promise<void> {
  source = image;
  if (!image.complete || image.naturalWidth === 0) await image.decode();
  const model = state.model;
  if (!model || source !== image) return;
  const [height, width, channels] = model.inputShape.map((size) => size ?? 224) as [number, number, number];
  const next = tf.tidy(() => {
    const rgb = fromCanvas(image);
    const sized = resizeAndCenterCrop(rgb, [height, width]);
    return (channels === 1 ? tf.mean(sized, 3, true) : sized) as tf.Tensor4D;
  });
  state.image?.dispose();
  state.image = next;
  await toCanvas(next, element<HTMLCanvasElement>('input-canvas'));
  await showPrediction();
  changed();
}

async function showPrediction(): Promise<void> {
  const { model, image } = state;
  if (!model || !image) return;
  const probabilities = tf.tidy(() => tf.softmax(model.logits(image)));
  const values = Array.from(await probabilities.data());
  probabilities.dispose();
  const top = values
    .map((probability, index) => ({ probability, index }))
    .sort((a, b) => b.probability - a.probability)
    .slice(0, 3);
  const output = element('prediction');
  output.dataset.top = String(top[0]?.index ?? '');
  output.textContent = top
    .map(
      (entry) =>
        `${state.classNames[entry.index]?.split(',')[0] ?? entry.index}: ${(entry.probability * 100).toFixed(1)} %`,
    )
    .join(' · ');
}
