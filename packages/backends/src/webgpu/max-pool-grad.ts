import type { KernelConfig, KernelFunc, MaxPoolGradAttrs, TensorInfo } from '@tensorflow/tfjs-core';
import {
  backend_util,
  getKernel,
  MaxPoolGrad,
  registerKernel,
  unregisterKernel,
} from '@tensorflow/tfjs-core';

// tfjs-backend-webgpu 4.22 finds each window's maximum with `value >= max`, so a tie goes to the
// LAST maximum; tfjs-cpu, netlens' wasm kernel, TensorFlow and PyTorch send the gradient to the
// FIRST. Ties are common after a ReLU (windows of zeros), and deconvnet passes gradient through
// those zeros, so the maps differed by backend. This kernel is tfjs' two programs (window argmax,
// then scatter of dy) with the first maximum winning; padding never wins, and a window with no
// finite-or-larger value (all NaN or −∞) gets no gradient, as on tfjs-cpu.

const WEBGPU = 'webgpu';
const FIRST_MAX = Symbol.for('@netlens/backends/webgpu-max-pool-grad');

type Shape4 = [number, number, number, number];
type Pool2DInfo = ReturnType<typeof backend_util.computePool2DInfo>;

/** What tfjs-backend-webgpu's `runWebGPUProgram` reads from a program. */
interface WebGPUProgramLike {
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: { x: number[] };
  dispatch: [number, number, number];
  variableNames: string[];
  uniforms: string;
  workgroupSize: [number, number, number];
  size: boolean;
  getUserCode(): string;
}

interface WebGPUBackendLike {
  runWebGPUProgram(
    program: WebGPUProgramLike,
    inputs: TensorInfo[],
    outputDtype: string,
    uniforms: { type: string; data: number[] }[],
  ): TensorInfo;
  disposeData(dataId: object): void;
}

const WORKGROUP_SIZE: [number, number, number] = [64, 1, 1];

function flatProgram(
  outputShape: number[],
  shaderKey: string,
  variableNames: string[],
  uniforms: string,
  userCode: string,
): WebGPUProgramLike {
  const size = outputShape.reduce((product, dimension) => product * dimension, 1);
  return {
    outputShape,
    // runWebGPUProgram appends the input shapes to this key, so each run gets a fresh object.
    shaderKey,
    dispatchLayout: { x: outputShape.map((_, axis) => axis) },
    dispatch: [Math.ceil(size / WORKGROUP_SIZE[0]), 1, 1],
    variableNames,
    uniforms,
    workgroupSize: WORKGROUP_SIZE,
    size: true,
    getUserCode: () => userCode,
  };
}

// One thread per output element: the position (wR * filterWidth + wC) of the window's first maximum,
// or -1. `bitcast<f32>(0xff7fffffu)` is the lowest finite float32.
const POSITIONS = `
  fn main(index : i32) {
    if (index < uniforms.size) {
      let coords = getCoordsFromIndex(index);
      let batch = coords[0];
      let d = coords[3];
      let corner = vec2<i32>(coords.yz) * uniforms.strides - uniforms.pads;
      var maxValue = bitcast<f32>(0xff7fffffu);
      var maxPosition = -1;
      for (var wR = 0; wR < uniforms.filterDims.x; wR++) {
        let xR = corner.x + wR;
        if (xR < 0 || xR >= uniforms.convDims.x) {
          continue;
        }
        for (var wC = 0; wC < uniforms.filterDims.y; wC++) {
          let xC = corner.y + wC;
          if (xC < 0 || xC >= uniforms.convDims.y) {
            continue;
          }
          let value = getX(batch, xR, xC, d);
          if (value > maxValue || (maxPosition < 0 && value == maxValue)) {
            maxValue = value;
            maxPosition = wR * uniforms.filterDims.y + wC;
          }
        }
      }
      setOutputAtIndexI32(index, maxPosition);
    }
  }
`;

// One thread per input element: the sum of dy over the windows whose first maximum it is (tfjs'
// MaxPool2DBackpropProgram, with integer arithmetic for the window indices).
const BACKPROP = `
  fn main(index : i32) {
    if (index < uniforms.size) {
      let coords = getCoordsFromIndex(index);
      let batch = coords[0];
      let d = coords[3];
      var sum = 0.0;
      for (var wR = 0; wR < uniforms.filterDims.x; wR++) {
        let top = coords[1] + uniforms.pads.x - wR;
        if (top < 0 || top % uniforms.strides.x != 0) {
          continue;
        }
        let yR = top / uniforms.strides.x;
        if (yR >= uniforms.outDims.x) {
          continue;
        }
        for (var wC = 0; wC < uniforms.filterDims.y; wC++) {
          let left = coords[2] + uniforms.pads.y - wC;
          if (left < 0 || left % uniforms.strides.y != 0) {
            continue;
          }
          let yC = left / uniforms.strides.y;
          if (yC >= uniforms.outDims.y) {
            continue;
          }
          if (i32(getMaxPos(batch, yR, yC, d)) == wR * uniforms.filterDims.y + wC) {
            sum += getDy(batch, yR, yC, d);
          }
        }
      }
      setOutputAtIndex(index, sum);
    }
  }
`;

const int2 = (data: [number, number]) => ({ type: 'int32', data });

/** `MaxPoolGrad` on WebGPU with the first maximum of each window receiving its gradient. */
export function maxPoolGradFirstMax({
  inputs,
  backend,
  attrs,
}: {
  inputs: { dy: TensorInfo; input: TensorInfo };
  backend: unknown;
  attrs: unknown;
}): TensorInfo {
  const gpu = backend as WebGPUBackendLike;
  const { dy, input } = inputs;
  const { filterSize, strides, pad, dimRoundingMode } = attrs as MaxPoolGradAttrs;
  const info: Pool2DInfo = backend_util.computePool2DInfo(
    input.shape as Shape4,
    filterSize,
    strides,
    1,
    pad,
    dimRoundingMode,
  );
  const filter: [number, number] = [info.filterHeight, info.filterWidth];
  const stride: [number, number] = [info.strideHeight, info.strideWidth];
  const padding: [number, number] = [info.padInfo.top, info.padInfo.left];
  const positions = gpu.runWebGPUProgram(
    flatProgram(
      info.outShape,
      'netlensMaxPool2DFirstPositions',
      ['x'],
      'strides : vec2<i32>, pads : vec2<i32>, convDims : vec2<i32>, filterDims : vec2<i32>,',
      POSITIONS,
    ),
    [input],
    'int32',
    [int2(stride), int2(padding), int2([info.inHeight, info.inWidth]), int2(filter)],
  );
  try {
    return gpu.runWebGPUProgram(
      flatProgram(
        info.inShape,
        'netlensMaxPool2DFirstBackprop',
        ['dy', 'maxPos'],
        'strides : vec2<i32>, pads : vec2<i32>, filterDims : vec2<i32>, outDims : vec2<i32>,',
        BACKPROP,
      ),
      [dy, positions],
      input.dtype,
      [int2(stride), int2(padding), int2(filter), int2([info.outHeight, info.outWidth])],
    );
  } finally {
    gpu.disposeData(positions.dataId);
  }
}

/** Kernel config (replaces tfjs-backend-webgpu's `MaxPoolGrad`). */
export const maxPoolGradConfig: KernelConfig = {
  kernelName: MaxPoolGrad,
  backendName: WEBGPU,
  kernelFunc: Object.assign(maxPoolGradFirstMax as unknown as KernelFunc, { [FIRST_MAX]: true }),
};

/**
 * Replaces tfjs-backend-webgpu's `MaxPoolGrad` with {@link maxPoolGradFirstMax} (idempotent). The
 * WebGPU runtimes call it once tfjs-backend-webgpu has registered its kernels.
 */
export function installWebGPUMaxPoolGrad(): void {
  const current = getKernel(MaxPoolGrad, WEBGPU);
  if (current !== undefined && FIRST_MAX in current.kernelFunc) return;
  if (current !== undefined) unregisterKernel(MaxPoolGrad, WEBGPU);
  registerKernel({ ...maxPoolGradConfig, setupFunc: current?.setupFunc, disposeFunc: current?.disposeFunc });
}
