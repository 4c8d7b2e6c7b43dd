export type { DecodeImageOptions } from './node/decode-image';
export { decodeImage } from './node/decode-image';
export type { EncodePngOptions } from './node/encode-png';
export { encodePng } from './node/encode-png';
export type { ReadImageOptions } from './node/read-image';
export { readImage } from './node/read-image';
export { writePng } from './node/write-png';
