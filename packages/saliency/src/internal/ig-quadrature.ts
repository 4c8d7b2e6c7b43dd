import { InvalidArgumentError } from '@netlens/backends';

/**
 * How the path integral of Integrated Gradients is approximated, with Captum's names: Riemann sums
 * evaluated at the left end, right end or middle of each of `numSteps` equal intervals, the
 * trapezoid rule on `numSteps` equally spaced points (ends included), or `numSteps`-point
 * Gauss–Legendre quadrature (exact for polynomials of degree `2·numSteps − 1`).
 */
export type IntegrationMethod =
  | 'riemann_left'
  | 'riemann_right'
  | 'riemann_middle'
  | 'riemann_trapezoid'
  | 'gausslegendre';

/** Every {@link IntegrationMethod}, in Captum's order. */
export const INTEGRATION_METHODS: readonly IntegrationMethod[] = /* @__PURE__ */ Object.freeze([
  'riemann_left',
  'riemann_right',
  'riemann_middle',
  'riemann_trapezoid',
  'gausslegendre',
]);

/** Quadrature points on `[0, 1]`: interpolation coefficients `alphas` and their `weights` (sum 1). */
export interface IntegrationPoints {
  alphas: Float64Array;
  weights: Float64Array;
}

/**
 * `n`-point Gauss–Legendre nodes and weights mapped from `[−1, 1]` to `[0, 1]`, nodes ascending.
 * Nodes are roots of the Legendre polynomial `P_n`, found by Newton iteration from Tricomi's
 * initial guesses; weights are `2 / ((1 − x²) P_n'(x)²)`, halved by the change of interval.
 * @param n - the number of points, a positive integer.
 * @returns `alphas` in `(0, 1)` and `weights` summing to 1.
 */
export function gaussLegendre(n: number): IntegrationPoints {
  const alphas = new Float64Array(n);
  const weights = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let x = Math.cos((Math.PI * (i + 0.75)) / (n + 0.5));
    let derivative = 1;
    for (let iteration = 0; iteration < 100; iteration++) {
      // Three-term recurrence: (k + 1) P_{k+1} = (2k + 1) x P_k − k P_{k−1}.
      let previous = 1;
      let current = x;
      for (let k = 1; k < n; k++) {
        const next = ((2 * k + 1) * x * current - k * previous) / (k + 1);
        previous = current;
        current = next;
      }
      derivative = (n * (x * current - previous)) / (x * x - 1);
      const step = current / derivative;
      x -= step;
      if (Math.abs(step) < 1e-15) break;
    }
    // Recompute P_n' at the converged root for the weight.
    let previous = 1;
    let current = x;
    for (let k = 1; k < n; k++) {
      const next = ((2 * k + 1) * x * current - k * previous) / (k + 1);
      previous = current;
      current = next;
    }
    derivative = (n * (x * current - previous)) / (x * x - 1);
    // cos(…) decreases with i, so (1 − x) / 2 gives ascending nodes on [0, 1].
    alphas[i] = (1 - x) / 2;
    weights[i] = 1 / ((1 - x * x) * derivative * derivative);
  }
  return { alphas, weights };
}

/**
 * The interpolation coefficients and weights Captum uses for `method` with `numSteps` points.
 * @param method - the integration rule.
 * @param numSteps - the number of points (at least 2 for `'riemann_trapezoid'`).
 * @param argumentName - the name reported when `numSteps` is too small for the method.
 * @returns `alphas` on `[0, 1]` and `weights` summing to 1.
 */
export function integrationPoints(
  method: IntegrationMethod,
  numSteps: number,
  argumentName = 'options.numSteps',
): IntegrationPoints {
  if (method === 'gausslegendre') return gaussLegendre(numSteps);
  const alphas = new Float64Array(numSteps);
  const weights = new Float64Array(numSteps).fill(1 / numSteps);
  if (method === 'riemann_trapezoid') {
    if (numSteps < 2) {
      throw new InvalidArgumentError(
        argumentName,
        "at least 2 steps for 'riemann_trapezoid'",
        String(numSteps),
      );
    }
    for (let k = 0; k < numSteps; k++) {
      alphas[k] = k / (numSteps - 1);
      weights[k] = (k === 0 || k === numSteps - 1 ? 0.5 : 1) / (numSteps - 1);
    }
    return { alphas, weights };
  }
  const offset = method === 'riemann_left' ? 0 : method === 'riemann_right' ? 1 : 0.5;
  for (let k = 0; k < numSteps; k++) alphas[k] = (k + offset) / numSteps;
  return { alphas, weights };
}
