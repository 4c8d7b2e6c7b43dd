import type { KernelConfig, KernelFunc, MaxPoolGradAttrs, TensorInfo } from '@tensorflow/tfjs-core';
import {
  backend_util,
  getKernel,
  MaxPoolGrad,
  registerKernel,
  unregisterKernel,
} from '@tensorflow/tfjs-core';

// tfjs-backend-webgl 4.22 finds each window's maximum with `value >= max`, so a tie goes to the
// LAST maximum; tfjs-cpu, netlens' wasm kernel, TensorFlow and PyTorch send the gradient to the
// FIRST. Ties are common after a ReLU (windows of zeros), and deconvnet passes gradient through
// those zeros, so the maps differed by backend. This kernel is tfjs' two programs (window argmax,
// then scatter of dy) with the first maximum winning; padding never wins, and a window with no
// value ≥ the lowest finite float (all NaN or −∞) gets no gradient, as on tfjs-cpu.

const WEBGL = 'webgl';
const FIRST_MAX = Symbol.for('@netlens/backends/webgl-max-pool-grad');

type Shape4 = [number, number, number, number];

/** What tfjs-backend-webgl's `runWebGLProgram` reads from a program. */
interface WebGLProgramLike {
  variableNames: string[];
  outputShape: number[];
  userCode: string;
}

interface WebGLBackendLike {
  runWebGLProgram(program: WebGLProgramLike, inputs: TensorInfo[], outputDtype: string): TensorInfo;
  disposeIntermediateTensorInfo(tensorInfo: TensorInfo): void;
}

type Pool2DInfo = ReturnType<typeof backend_util.computePool2DInfo>;

/** Position `wR * filterWidth + wC` of each window's first maximum, or -1 (stored as float). */
function positionsProgram(info: Pool2DInfo): WebGLProgramLike {
  return {
    variableNames: ['x'],
    outputShape: info.outShape,
    userCode: `
      // netlens: first maximum wins.
      void main() {
        ivec4 coords = getOutputCoords();
        int batch = coords[0];
        int d = coords[3];
        ivec2 corner = coords.yz * ivec2(${info.strideHeight}, ${info.strideWidth}) -
            ivec2(${info.padInfo.top}, ${info.padInfo.left});
        float maxValue = -3.4028234e38;
        int maxPosition = -1;
        for (int wR = 0; wR < ${info.filterHeight}; wR++) {
          int xR = corner.x + wR;
          if (xR < 0 || xR >= ${info.inHeight}) {
            continue;
          }
          for (int wC = 0; wC < ${info.filterWidth}; wC++) {
            int xC = corner.y + wC;
            if (xC < 0 || xC >= ${info.inWidth}) {
              continue;
            }
            float value = getX(batch, xR, xC, d);
            if (value > maxValue || (maxPosition < 0 && value == maxValue)) {
              maxValue = value;
              maxPosition = wR * ${info.filterWidth} + wC;
            }
          }
        }
        setOutput(float(maxPosition));
      }
    `,
  };
}

/** Each input element's sum of dy over the windows whose first maximum it is. */
function backpropProgram(info: Pool2DInfo): WebGLProgramLike {
  return {
    variableNames: ['dy', 'maxPos'],
    outputShape: info.inShape,
    userCode: `
      void main() {
        ivec4 coords = getOutputCoords();
        int b = coords[0];
        int d = coords[3];
        float sum = 0.0;
        for (int wR = 0; wR < ${info.filterHeight}; wR++) {
          int top = coords[1] + ${info.padInfo.top} - wR;
          if (top < 0 || top - (top / ${info.strideHeight}) * ${info.strideHeight} != 0) {
            continue;
          }
          int yR = top / ${info.strideHeight};
          if (yR >= ${info.outHeight}) {
            continue;
          }
          for (int wC = 0; wC < ${info.filterWidth}; wC++) {
            int left = coords[2] + ${info.padInfo.left} - wC;
            if (left < 0 || left - (left / ${info.strideWidth}) * ${info.strideWidth} != 0) {
              continue;
            }
            int yC = left / ${info.strideWidth};
            if (yC >= ${info.outWidth}) {
              continue;
            }
            if (int(getMaxPos(b, yR, yC, d) + 0.5) == wR * ${info.filterWidth} + wC) {
              sum += getDy(b, yR, yC, d);
            }
          }
        }
        setOutput(sum);
      }
    `,
  };
}

/** `MaxPoolGrad` on WebGL with the first maximum of each window receiving its gradient. */
export function maxPoolGradFirstMax({
  inputs,
  backend,
  attrs,
}: {
  inputs: { dy: TensorInfo; input: TensorInfo };
  backend: unknown;
  attrs: unknown;
}): TensorInfo {
  const gl = backend as WebGLBackendLike;
  const { dy, input } = inputs;
  const { filterSize, strides, pad, dimRoundingMode } = attrs as MaxPoolGradAttrs;
  const info = backend_util.computePool2DInfo(
    input.shape as Shape4,
    filterSize,
    strides,
    1,
    pad,
    dimRoundingMode,
  );
  const positions = gl.runWebGLProgram(positionsProgram(info), [input], 'float32');
  try {
    return gl.runWebGLProgram(backpropProgram(info), [dy, positions], input.dtype);
  } finally {
    gl.disposeIntermediateTensorInfo(positions);
  }
}

/** Kernel config (replaces tfjs-backend-webgl's `MaxPoolGrad`). */
export const maxPoolGradConfig: KernelConfig = {
  kernelName: MaxPoolGrad,
  backendName: WEBGL,
  kernelFunc: Object.assign(maxPoolGradFirstMax as unknown as KernelFunc, { [FIRST_MAX]: true }),
};

/**
 * Replaces tfjs-backend-webgl's `MaxPoolGrad` with {@link maxPoolGradFirstMax} (idempotent). The
 * WebGL runtime entry calls it after importing tfjs-backend-webgl.
 */
export function installWebGLMaxPoolGrad(): void {
  const current = getKernel(MaxPoolGrad, WEBGL);
  if (current !== undefined && FIRST_MAX in current.kernelFunc) return;
  if (current !== undefined) unregisterKernel(MaxPoolGrad, WEBGL);
  registerKernel({ ...maxPoolGradConfig, setupFunc: current?.setupFunc, disposeFunc: current?.disposeFunc });
}
