import { NetlensError } from '@netlens/backends';

/** The one error every decoding failure becomes: code `IMAGE_DECODE`, naming the input and the problem. */
export function decodeError(sourceName: string, problem: string, cause?: unknown): NetlensError {
  return new NetlensError(
    'IMAGE_DECODE',
    `Cannot decode image ${sourceName}: ${problem}`,
    cause === undefined ? undefined : { cause },
  );
}

/** The message of an unknown thrown value. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
