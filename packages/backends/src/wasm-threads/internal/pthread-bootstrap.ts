/**
 * The `workerData` key under which the pthread worker receives the emscripten worker script (a `Blob`).
 */
export const WORKER_SOURCE_KEY = 'netlensPthreadWorkerSource';

/**
 * Source of the script every tfjs-backend-wasm pthread worker starts with in Node (run with
 * `new Worker(source, { eval: true })`).
 *
 * It is a string, not a serialised function, so coverage instrumentation or a bundler's helpers
 * can never leak identifiers into a worker that does not have them.
 *
 * What it adapts, and why:
 * - tfjs hands emscripten a `blob:` URL for the worker script. Node cannot start a worker from a
 *   blob URL, so the main thread passes the `Blob` itself and this script evaluates its text. The
 *   emscripten worker script already speaks Node (`parentPort`, `self`, `postMessage`,
 *   `importScripts` via `fs`); it only needs to be reached.
 * - The `load` message carries the main script as a `Blob` too (`mainScriptUrlOrBlob`), which the
 *   emscripten script would pass to its `fs`-based `importScripts`. Reading a Blob is asynchronous,
 *   so messages are queued from `load` until its text is in hand, then replayed in order.
 * - That main script is `Function.prototype.toString()` of the emscripten factory inside the tfjs
 *   bundle, so it still names variables of the bundle's closure. The node bundle
 *   (`dist/tf-backend-wasm.node.js`) closes over rollup's `require$$N` module aliases,
 *   `commonjsGlobal`, tslib's downlevel helpers and the factory wrapper's `_scriptDir`; the
 *   unbundled `wasm-out/*.js` only over `require`, `__dirname` and `_scriptDir`. Each is provided as
 *   a global unless the worker already has one.
 */
export const PTHREAD_BOOTSTRAP = String.raw`'use strict';
const { workerData } = require('node:worker_threads');
const scope = globalThis;
const provide = (name, value) => {
  if (!(name in scope)) scope[name] = value;
};
provide('require', require);
provide('__filename', '[tfjs-backend-wasm pthread]');
provide('__dirname', process.cwd());
provide('_scriptDir', undefined);
provide('commonjsGlobal', scope);
provide('require$$0', require('node:fs'));
provide('require$$1', require('node:path'));
provide('require$$3', require('node:perf_hooks'));
provide('require$$4', require('node:os'));
// tslib 2 (0BSD): the helpers the node bundle's downlevelled factory calls.
provide('__values', function (o) {
  var s = typeof Symbol === 'function' && Symbol.iterator, m = s && o[s], i = 0;
  if (m) return m.call(o);
  if (o && typeof o.length === 'number') return { next: function () { if (o && i >= o.length) o = void 0; return { value: o && o[i++], done: !o }; } };
  throw new TypeError(s ? 'Object is not iterable.' : 'Symbol.iterator is not defined.');
});
provide('__read', function (o, n) {
  var m = typeof Symbol === 'function' && o[Symbol.iterator];
  if (!m) return o;
  var i = m.call(o), r, ar = [], e;
  try { while ((n === void 0 || n-- > 0) && !(r = i.next()).done) ar.push(r.value); }
  catch (error) { e = { error: error }; }
  finally { try { if (r && !r.done && (m = i['return'])) m.call(i); } finally { if (e) throw e.error; } }
  return ar;
});
provide('__spreadArray', function (to, from, pack) {
  if (pack || arguments.length === 2) for (var i = 0, l = from.length, ar; i < l; i++) {
    if (ar || !(i in from)) { if (!ar) ar = Array.prototype.slice.call(from, 0, i); ar[i] = from[i]; }
  }
  return to.concat(ar || Array.prototype.slice.call(from));
});

const start = async () => {
  (0, eval)(await workerData.${WORKER_SOURCE_KEY}.text());

  const inlineScripts = new Map();
  const importFile = scope.importScripts;
  scope.importScripts = (url) => {
    const text = inlineScripts.get(url);
    if (text === undefined) return importFile(url);
    inlineScripts.delete(url);
    (0, eval)(text + '\n//# sourceURL=tfjs-backend-wasm-main-script.js');
  };

  // The emscripten script dispatches through the global onmessage, so wrapping it is enough.
  const handle = scope.onmessage;
  const queue = [];
  let draining = false;
  const isBlob = (value) => typeof value === 'object' && value !== null && typeof value.text === 'function';
  const drain = async () => {
    draining = true;
    try {
      while (queue.length > 0) {
        const event = queue.shift();
        const data = event.data;
        if (data && data.cmd === 'load' && isBlob(data.urlOrBlob)) {
          const key = 'netlens-inline:' + inlineScripts.size;
          inlineScripts.set(key, await data.urlOrBlob.text());
          data.urlOrBlob = key;
        }
        handle(event);
      }
    } finally {
      draining = false;
    }
  };
  scope.onmessage = (event) => {
    const data = event.data;
    if (!draining && !(data && data.cmd === 'load')) {
      handle(event);
      return;
    }
    queue.push(event);
    if (!draining) drain().catch(fail);
  };
};

const fail = (error) => {
  const message = error && error.message ? error.message : String(error);
  const wrapped = new Error(
    'netlens: a tfjs-backend-wasm pthread worker failed in Node (' + message + '). ' +
      'Call enableWasmThreadsInNode({ threads: 1 }) to keep the single-threaded build.',
    { cause: error },
  );
  process.nextTick(() => {
    throw wrapped;
  });
};

start().catch(fail);
`;
