import type { ImageClassifier } from '@netlens/backends';
import type * as tf from '@tensorflow/tfjs-core';

/** What every section works on: the active model and the chosen image at its input size. */
export interface DemoState {
  /** The active netlens backend (`webgpu`, `webgl`, `wasm`, `cpu`). */
  backend: string;
  model?: ImageClassifier & { dispose(): void };
  /** Class names to show (the model's, or ImageNet's for 1000 classes). */
  classNames: readonly string[];
  /** `[1, H, W, C]` in [0, 1] at the model's input size. */
  image?: tf.Tensor4D;
}

/** Sections re-render when the model or image changes. */
export type Listener = (state: DemoState) => void;

const listeners: Listener[] = [];
export const state: DemoState = { backend: '', classNames: [] };

/** Calls `listener` after every change. */
export function onChange(listener: Listener): void {
  listeners.push(listener);
}

/** Tells every section that the model or image changed. */
export function changed(): void {
  for (const listener of listeners) listener(state);
}

/** `#id` as the element type the page declares, or an error naming the missing id. */
export function element<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (!found) throw new Error(`The page has no #${id}.`);
  return found as T;
}

/** Shows a message in an `<output>`, marking errors. */
export function report(
  output: HTMLElement,
  message: string,
  status: 'idle' | 'busy' | 'done' | 'error',
): void {
  output.textContent = message;
  output.dataset.status = status;
}

/** Shows why a run ended early: a stop button's abort is a finished run, anything else an error. */
export function reportFailure(output: HTMLElement, error: unknown): void {
  const aborted = (error as { code?: string }).code === 'ABORTED';
  report(output, (error as Error).message, aborted ? 'done' : 'error');
}

/** Lets the browser paint between long steps, so the page stays responsive. */
export function nextFrame(): Promise<void> {
  return new Promise((resolve) => requestAnimationFrame(() => resolve()));
}
