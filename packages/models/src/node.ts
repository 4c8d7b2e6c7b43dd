export type { FileSystemHandlerOptions } from './internal/file-io';
export { fileSystemHandler, registerFileRouter } from './internal/file-io';
export { loadClassifier, mobileNetV2 } from './load-classifier-node';
export { readWeightArtifacts } from './read-weight-artifacts';
