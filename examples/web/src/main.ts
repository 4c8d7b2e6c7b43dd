import { setUpCaptioning } from './sections/captioning';
import { setUpClassviz } from './sections/classviz';
import { setUpFooling } from './sections/fooling';
import { setUpSaliency } from './sections/saliency';
import { setUp } from './sections/setup';
import { element, report } from './state';

setUpSaliency();
setUpFooling();
setUpClassviz();
setUpCaptioning();
setUp().then(
  () => {
    document.body.dataset.ready = 'true';
  },
  (error: unknown) =>
    report(element('backend-status'), `could not start: ${(error as Error).message}`, 'error'),
);
