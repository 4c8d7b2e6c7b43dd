/**
 * Colormap data: every map becomes a 256-entry RGB lookup table in [0, 1], row-major `[256 * 3]`.
 *
 * Sources: matplotlib `_cm.py` segment data for `hot`, `jet`, `bwr` and `coolwarm` (the latter from
 * K. Moreland, "Diverging Color Maps for Scientific Visualization", 2009, CoolWarmFloat33), and the
 * viridis table of S. van der Walt and N. Smith (CC0), stored as 8-bit hex.
 */

/** The names `applyColormap` and `overlay` accept. */
export type ColormapName = 'gray' | 'hot' | 'jet' | 'viridis' | 'bwr' | 'coolwarm';

/** Every built-in colormap name. `bwr` and `coolwarm` are diverging (white or grey at 0.5). */
export const colormapNames: readonly ColormapName[] = ['gray', 'hot', 'jet', 'viridis', 'bwr', 'coolwarm'];

/** Number of entries in every lookup table. */
export const LUT_SIZE = 256;

/** One channel of a piecewise-linear map: `[x, value]` control points with x rising from 0 to 1. */
type Segment = readonly (readonly [number, number])[];

interface SegmentData {
  red: Segment;
  green: Segment;
  blue: Segment;
}

const HOT: SegmentData = {
  red: [
    [0, 0.0416],
    [0.365079, 1],
    [1, 1],
  ],
  green: [
    [0, 0],
    [0.365079, 0],
    [0.746032, 1],
    [1, 1],
  ],
  blue: [
    [0, 0],
    [0.746032, 0],
    [1, 1],
  ],
};

const JET: SegmentData = {
  red: [
    [0, 0],
    [0.35, 0],
    [0.66, 1],
    [0.89, 1],
    [1, 0.5],
  ],
  green: [
    [0, 0],
    [0.125, 0],
    [0.375, 1],
    [0.64, 1],
    [0.91, 0],
    [1, 0],
  ],
  blue: [
    [0, 0.5],
    [0.11, 1],
    [0.34, 1],
    [0.65, 0],
    [1, 0],
  ],
};

const GRAY: SegmentData = {
  red: [
    [0, 0],
    [1, 1],
  ],
  green: [
    [0, 0],
    [1, 1],
  ],
  blue: [
    [0, 0],
    [1, 1],
  ],
};

const BWR: SegmentData = {
  red: [
    [0, 0],
    [0.5, 1],
    [1, 1],
  ],
  green: [
    [0, 0],
    [0.5, 1],
    [1, 0],
  ],
  blue: [
    [0, 1],
    [0.5, 1],
    [1, 0],
  ],
};

// Moreland's 33 control points, at x = i / 32.
const COOLWARM_RED = [
  0.2298057, 0.26623388, 0.30386891, 0.342804478, 0.38301334, 0.424369608, 0.46666708, 0.509635204,
  0.552953156, 0.596262162, 0.639176211, 0.681291281, 0.722193294, 0.761464949, 0.798691636, 0.833466556,
  0.865395197, 0.897787179, 0.924127593, 0.944468518, 0.958852946, 0.96732803, 0.969954137, 0.966811177,
  0.958003065, 0.943660866, 0.923944917, 0.89904617, 0.869186849, 0.834620542, 0.795631745, 0.752534934,
  0.705673158,
];
const COOLWARM_GREEN = [
  0.298717966, 0.353094838, 0.406535296, 0.458757618, 0.50941904, 0.558148092, 0.604562568, 0.648280772,
  0.688929332, 0.726149107, 0.759599947, 0.788964712, 0.813952739, 0.834302879, 0.849786142, 0.860207984,
  0.86541021, 0.848937047, 0.827384882, 0.800927443, 0.769767752, 0.734132809, 0.694266682, 0.650421156,
  0.602842431, 0.551750968, 0.49730856, 0.439559467, 0.378313092, 0.312874446, 0.24128379, 0.157246067,
  0.01555616,
];
const COOLWARM_BLUE = [
  0.753683153, 0.801466763, 0.84495867, 0.883725899, 0.917387822, 0.945619588, 0.968154911, 0.98478814,
  0.995375608, 0.999836203, 0.998151185, 0.990363227, 0.976574709, 0.956945269, 0.931688648, 0.901068838,
  0.865395561, 0.820880546, 0.774508472, 0.726736146, 0.678007945, 0.628751763, 0.579375448, 0.530263762,
  0.481775914, 0.434243684, 0.387970225, 0.343229596, 0.300267182, 0.259301199, 0.220525627, 0.184115123,
  0.150232812,
];

function evenlySpaced(values: readonly number[]): Segment {
  return values.map((value, i) => [i / (values.length - 1), value] as const);
}

const COOLWARM: SegmentData = {
  red: evenlySpaced(COOLWARM_RED),
  green: evenlySpaced(COOLWARM_GREEN),
  blue: evenlySpaced(COOLWARM_BLUE),
};

// 256 entries × RRGGBB.
const VIRIDIS_HEX =
  '44015444025645045745055946075a46085c460a5d460b5e470d60470e61471063471164471365481467481668481769' +
  '48186a481a6c481b6d481c6e481d6f481f70482071482173482374482475482576482677482878482979472a7a472c7a' +
  '472d7b472e7c472f7d46307e46327e46337f463480453581453781453882443983443a83443b84433d84433e85423f85' +
  '4240864241864142874144874045884046883f47883f48893e49893e4a893e4c8a3d4d8a3d4e8a3c4f8a3c508b3b518b' +
  '3b528b3a538b3a548c39558c39568c38588c38598c375a8c375b8d365c8d365d8d355e8d355f8d34608d34618d33628d' +
  '33638d32648e32658e31668e31678e31688e30698e306a8e2f6b8e2f6c8e2e6d8e2e6e8e2e6f8e2d708e2d718e2c718e' +
  '2c728e2c738e2b748e2b758e2a768e2a778e2a788e29798e297a8e297b8e287c8e287d8e277e8e277f8e27808e26818e' +
  '26828e26828e25838e25848e25858e24868e24878e23888e23898e238a8d228b8d228c8d228d8d218e8d218f8d21908d' +
  '21918c20928c20928c20938c1f948c1f958b1f968b1f978b1f988b1f998a1f9a8a1e9b8a1e9c891e9d891f9e891f9f88' +
  '1fa0881fa1881fa1871fa28720a38620a48621a58521a68522a78522a88423a98324aa8325ab8225ac8226ad8127ad81' +
  '28ae8029af7f2ab07f2cb17e2db27d2eb37c2fb47c31b57b32b67a34b67935b77937b87838b9773aba763bbb753dbc74' +
  '3fbc7340bd7242be7144bf7046c06f48c16e4ac16d4cc26c4ec36b50c46a52c56954c56856c66758c7655ac8645cc863' +
  '5ec96260ca6063cb5f65cb5e67cc5c69cd5b6ccd5a6ece5870cf5773d05675d05477d1537ad1517cd2507fd34e81d34d' +
  '84d44b86d54989d5488bd6468ed64590d74393d74195d84098d83e9bd93c9dd93ba0da39a2da37a5db36a8db34aadc32' +
  'addc30b0dd2fb2dd2db5de2bb8de29bade28bddf26c0df25c2df23c5e021c8e020cae11fcde11dd0e11cd2e21bd5e21a' +
  'd8e219dae319dde318dfe318e2e418e5e419e7e419eae51aece51befe51cf1e51df4e61ef6e620f8e621fbe723fde725';

function interpolateSegment(segment: Segment, x: number): number {
  for (let i = 1; i < segment.length; i++) {
    const [x1, y1] = segment[i]!;
    if (x <= x1) {
      const [x0, y0] = segment[i - 1]!;
      return x1 === x0 ? y1 : y0 + ((x - x0) / (x1 - x0)) * (y1 - y0);
    }
  }
  return segment[segment.length - 1]![1];
}

function lutFromSegments(data: SegmentData): Float32Array {
  const lut = new Float32Array(LUT_SIZE * 3);
  for (let i = 0; i < LUT_SIZE; i++) {
    const x = i / (LUT_SIZE - 1);
    lut[i * 3] = interpolateSegment(data.red, x);
    lut[i * 3 + 1] = interpolateSegment(data.green, x);
    lut[i * 3 + 2] = interpolateSegment(data.blue, x);
  }
  return lut;
}

function lutFromHex(hex: string): Float32Array {
  const lut = new Float32Array(hex.length / 2);
  for (let i = 0; i < lut.length; i++) {
    lut[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16) / 255;
  }
  return lut;
}

/** The lookup table of a built-in colormap: `[256 * 3]` RGB values in [0, 1]. */
export function colormapLookupTable(name: ColormapName): Float32Array {
  switch (name) {
    case 'gray':
      return lutFromSegments(GRAY);
    case 'hot':
      return lutFromSegments(HOT);
    case 'jet':
      return lutFromSegments(JET);
    case 'viridis':
      return lutFromHex(VIRIDIS_HEX);
    case 'bwr':
      return lutFromSegments(BWR);
    case 'coolwarm':
      return lutFromSegments(COOLWARM);
  }
}
