/** Python 3's `round`: halves go to the even neighbour, as in torchvision's crop offsets. */
export function roundHalfToEven(value: number): number {
  const floor = Math.floor(value);
  const difference = value - floor;
  if (difference > 0.5) return floor + 1;
  if (difference < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

/** torchvision's centre-crop offsets: `int(round((size − crop) / 2))` on each axis. */
export function centerCropOffsets(
  height: number,
  width: number,
  cropHeight: number,
  cropWidth: number,
): [top: number, left: number] {
  return [roundHalfToEven((height - cropHeight) / 2), roundHalfToEven((width - cropWidth) / 2)];
}
