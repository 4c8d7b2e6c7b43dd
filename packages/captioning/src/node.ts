export type {
  Array2D,
  CocoCaptionData,
  CocoMinibatch,
  LoadCocoCaptionsOptions,
  SampleCocoMinibatchOptions,
} from './data/coco';
export { loadCocoCaptions, sampleCocoMinibatch } from './data/coco';
