import { InvalidArgumentError } from '@netlens/backends';
import { expect, it } from 'vitest';
import { jitter, pad, randomRotate, randomScale, standardTransforms } from './transforms';

it("standardTransforms(224) is Lucid's standard_transforms; smaller widths scale the pixel sizes", () => {
  const lucid = standardTransforms();
  expect(lucid.map((transform) => transform.kind)).toEqual(['pad', 'jitter', 'scale', 'rotate', 'jitter']);
  expect(lucid[0]).toEqual({ kind: 'pad', size: 12, mode: 'constant', value: 0.5 });
  expect(lucid[1]).toEqual({ kind: 'jitter', size: 8 });
  const scales = (lucid[2] as { scales: readonly number[] }).scales;
  expect(scales).toHaveLength(11);
  expect(scales[0]).toBeCloseTo(0.9, 10);
  expect(scales[10]).toBeCloseTo(1.1, 10);
  const degrees = (lucid[3] as { degrees: readonly number[] }).degrees;
  expect(degrees).toHaveLength(26);
  expect(degrees.filter((angle) => angle === 0)).toHaveLength(6);
  expect(lucid[4]).toEqual({ kind: 'jitter', size: 4 });
  const digits = standardTransforms(28);
  expect([digits[0], digits[1], digits[4]].map((t) => (t as { size: number }).size)).toEqual([2, 1, 1]);
});

it('rejects bad sizes, lists and pad options with InvalidArgumentError', () => {
  expect(() => pad(-1)).toThrow(InvalidArgumentError);
  expect(() => pad(2, { mode: 'wrap' as never })).toThrow(/options\.mode/);
  expect(() => pad(2, { value: 2 })).toThrow(/options\.value/);
  expect(() => jitter(1.5)).toThrow(/size/);
  expect(() => randomScale([])).toThrow(/scales/);
  expect(() => randomScale([1, 0])).toThrow(/scales/);
  expect(() => randomRotate([Number.NaN])).toThrow(/degrees/);
  expect(() => standardTransforms(0)).toThrow(/imageWidth/);
});
