export type { BleuResult } from './bleu';
export { corpusBleu } from './bleu';
export { captionWordScore } from './caption-word-score';
export type {
  BeamSearchOptions,
  CaptioningGradients,
  CaptioningLossOptions,
  CaptioningModelOptions,
  CaptioningModelTopology,
  CaptioningParamName,
  CellType,
  SampleOptions,
} from './captioning-model';
export { CAPTIONING_PARAM_NAMES, CaptioningModel, MAX_CAPTION_LENGTH } from './captioning-model';
export type {
  CaptioningData,
  CaptioningProgress,
  CaptioningSolverOptions,
  CaptioningTrainingResult,
} from './captioning-solver';
export { CaptioningSolver } from './captioning-solver';
export type { DigitStripFeatureOptions } from './data/digit-strip-features';
export { digitStripClassifier, digitStripFeatures } from './data/digit-strip-features';
export type {
  DigitPool,
  DigitPools,
  DigitStripOptions,
  DigitStrips,
  MnistCaptionDataset,
  MnistCaptionDatasetOptions,
} from './data/mnist-captions';
export {
  captionDigitStrip,
  DIGIT_SIZE,
  MNIST_CAPTION_MAX_WORDS,
  MNIST_CAPTION_WORDS,
  makeDigitStrips,
  mnistCaptionDataset,
  STRIP_SLOTS,
} from './data/mnist-captions';
export type { BeamHypothesis } from './internal/beam-search';
export type { GruGateValues } from './internal/gru-gates';
export type { GruCache, GruGradients } from './layers/gru';
export { gruBackward, gruForward } from './layers/gru';
export type { GruStepCache, GruStepGradients } from './layers/gru-step';
export { gruStepBackward, gruStepForward } from './layers/gru-step';
export type { LstmCache, LstmGradients, LstmStepValues } from './layers/lstm';
export { lstmBackward, lstmForward } from './layers/lstm';
export type { LstmStepCache, LstmStepGradients } from './layers/lstm-step';
export { lstmStepBackward, lstmStepForward } from './layers/lstm-step';
export type { RnnCache, RnnGradients } from './layers/rnn';
export { rnnBackward, rnnForward } from './layers/rnn';
export type { RnnStepCache, RnnStepGradients } from './layers/rnn-step';
export { rnnStepBackward, rnnStepForward } from './layers/rnn-step';
export type { TemporalAffineCache, TemporalAffineGradients } from './layers/temporal-affine';
export { temporalAffineBackward, temporalAffineForward } from './layers/temporal-affine';
export { temporalSoftmaxLoss } from './layers/temporal-softmax-loss';
export type { WordEmbeddingCache } from './layers/word-embedding';
export { wordEmbeddingBackward, wordEmbeddingForward } from './layers/word-embedding';
export { MNIST_CAPTIONER_INFO, mnistCaptioner } from './pretrained/mnist-captioner';
export { Vocabulary } from './vocabulary';
