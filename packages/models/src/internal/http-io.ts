import { NetlensError } from '@netlens/backends';
import * as tf from '@tensorflow/tfjs-core';
import { checkManifest, type LoadLimits } from './limits';
import { artifactsFromModelJson, parseModelJson } from './model-json';

/** What {@link httpHandler} needs besides the URL. */
export interface HttpLoadOptions {
  limits: LoadLimits;
  /** Limit on each request, body included, in milliseconds. */
  timeoutMs: number;
  signal?: AbortSignal;
  /** Lets `model.json` name weight files on other origins (http and https only). */
  allowCrossOriginWeights: boolean;
  onProgress?: (fraction: number) => void;
}

const messageOf = (error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  const cause = (error as { cause?: unknown } | null)?.cause;
  return cause instanceof Error && cause.message !== message ? `${message} (${cause.message})` : message;
};

const abortedError = (url: string, signal: AbortSignal) =>
  new NetlensError('ABORTED', `Loading ${url} was aborted.`, { cause: signal.reason });

/** The body of one response, read with a byte cap, and where it came from after redirects. */
interface Fetched {
  bytes: Uint8Array;
  finalUrl: string;
}

/**
 * GETs `url` with a time limit on the whole request (headers and body) and the caller's abort signal,
 * following redirects, and reads at most `maxBytes` of the body; a server that declares or sends more
 * is cut off at once. Errors are `NetlensError`s: `TIMEOUT`, `ABORTED`, or `MODEL_LOAD` naming the URL.
 *
 * @param onBytes - told the number of new bytes as they arrive (for progress).
 */
async function fetchCapped(
  url: string,
  maxBytes: number,
  tooLarge: (received: number) => string,
  options: HttpLoadOptions,
  onBytes?: (count: number) => void,
): Promise<Fetched> {
  const { signal, timeoutMs } = options;
  if (signal?.aborted) throw abortedError(url, signal);
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, timeoutMs);
  const forwardAbort = () => controller.abort();
  signal?.addEventListener('abort', forwardAbort, { once: true });
  let received = 0;
  let declared = Number.NaN;
  try {
    const response: Response = await tf
      .env()
      .platform.fetch(url, { signal: controller.signal, redirect: 'follow' } as RequestInit);
    if (!response.ok) {
      await response.body?.cancel().catch(() => undefined);
      throw new NetlensError(
        'MODEL_LOAD',
        `${url} answered HTTP ${response.status} ${response.statusText}.`.trim(),
      );
    }
    declared = Number(response.headers.get('content-length') ?? Number.NaN);
    if (declared > maxBytes) {
      await response.body?.cancel().catch(() => undefined);
      throw new NetlensError('MODEL_LOAD', tooLarge(declared));
    }
    const chunks: Uint8Array[] = [];
    if (response.body && typeof response.body.getReader === 'function') {
      const reader = response.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        received += value.byteLength;
        if (received > maxBytes) {
          await reader.cancel().catch(() => undefined);
          throw new NetlensError('MODEL_LOAD', tooLarge(received));
        }
        chunks.push(value);
        onBytes?.(value.byteLength);
      }
    } else {
      // A fetch without streams (an old polyfill) can only be checked once the body is in.
      const whole = new Uint8Array(await response.arrayBuffer());
      if (whole.byteLength > maxBytes) throw new NetlensError('MODEL_LOAD', tooLarge(whole.byteLength));
      received = whole.byteLength;
      chunks.push(whole);
      onBytes?.(whole.byteLength);
    }
    const bytes = chunks.length === 1 ? (chunks[0] as Uint8Array) : new Uint8Array(received);
    if (chunks.length !== 1) {
      let offset = 0;
      for (const chunk of chunks) {
        bytes.set(chunk, offset);
        offset += chunk.byteLength;
      }
    }
    return { bytes, finalUrl: response.url || url };
  } catch (error) {
    if (timedOut) {
      throw new NetlensError(
        'TIMEOUT',
        `${url} did not answer in full within ${timeoutMs} ms (${received} bytes received); raise options.timeoutMs for a slow connection.`,
        { cause: error },
      );
    }
    if (signal?.aborted) throw abortedError(url, signal);
    if (error instanceof NetlensError) throw error;
    const cutOff =
      Number.isFinite(declared) && received < declared
        ? ` after ${received} of the ${declared} bytes it announced`
        : '';
    throw new NetlensError('MODEL_LOAD', `Reading ${url} failed${cutOff}: ${messageOf(error)}`, {
      cause: error,
    });
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', forwardAbort);
  }
}

/**
 * A tfjs `IOHandler` that loads `model.json` and its weights over HTTP(S) from an untrusted server:
 * every request has a time limit and follows the caller's abort signal; `model.json` and each weight
 * group are read with byte caps (from `limits` and the manifest), so an endless or oversized answer
 * costs nothing; weight URLs are resolved against `model.json`'s URL *after redirects* and must share
 * its origin unless `allowCrossOriginWeights` is set. Redirects of the weight requests themselves are
 * followed: they are the server's choice, not `model.json`'s.
 */
export function httpHandler(url: string, options: HttpLoadOptions): tf.io.IOHandler {
  return {
    async load() {
      const { limits } = options;
      const modelFile = await fetchCapped(
        url,
        limits.maxModelJsonBytes,
        (received) =>
          `${url} answered with ${received} bytes for model.json, more than the ${limits.maxModelJsonBytes} allowed; raise options.maxModelJsonBytes if it is genuine.`,
        options,
      );
      const base = new URL(modelFile.finalUrl);
      const label = modelFile.finalUrl === url ? url : `${url} (redirected to ${modelFile.finalUrl})`;
      const modelJson = parseModelJson(new TextDecoder().decode(modelFile.bytes), label);
      const weightUrl = (path: string): string => {
        let resolved: URL;
        try {
          resolved = new URL(path, base);
        } catch (error) {
          throw new NetlensError('MODEL_LOAD', `Weight path '${path}' in ${label} is not a URL.`, {
            cause: error,
          });
        }
        const httpScheme = resolved.protocol === 'http:' || resolved.protocol === 'https:';
        if (!httpScheme || (resolved.origin !== base.origin && !options.allowCrossOriginWeights)) {
          throw new NetlensError(
            'MODEL_LOAD',
            `Weight path '${path}' in ${label} leads to ${resolved.protocol === 'data:' ? 'a data: URL' : resolved.href}, ` +
              `outside ${base.origin}, where model.json came from. ` +
              (httpScheme
                ? 'Pass options.allowCrossOriginWeights = true if you trust this model.json to name other servers.'
                : 'Weights are fetched over http(s) only.'),
          );
        }
        return resolved.href;
      };
      const groups = checkManifest(modelJson.weightsManifest, label, limits.maxWeightBytes);
      // Progress by bytes when the manifest fixes them all, else by files.
      const knownBytes = groups.every((group) => group.bytes !== undefined)
        ? groups.reduce((sum, group) => sum + (group.bytes as number), 0)
        : 0;
      const fileCount = groups.reduce((sum, group) => sum + group.paths.length, 0);
      // Every weight URL is checked before the first one is requested.
      const urlsByGroup = groups.map((group) => group.paths.map(weightUrl));
      let receivedTotal = 0;
      let filesDone = 0;
      const artifacts = await artifactsFromModelJson(
        modelJson,
        groups,
        async (group, index) => {
          const parts: Uint8Array[] = [];
          let groupReceived = 0;
          const cap = group.bytes ?? limits.maxWeightBytes - receivedTotal;
          for (const shardUrl of urlsByGroup[index] as string[]) {
            const receivedBefore = groupReceived;
            const shard = await fetchCapped(
              shardUrl,
              cap - groupReceived,
              (received) =>
                group.bytes === undefined
                  ? `The weight files of ${label} hold more than ${limits.maxWeightBytes} bytes; raise options.maxWeightBytes if the model is really that large.`
                  : `${shardUrl} sent more bytes than the weightsManifest of ${label} describes for its group (at least ${receivedBefore + received} of ${group.bytes} bytes).`,
              options,
              (count) => {
                groupReceived += count;
                receivedTotal += count;
                if (knownBytes > 0) options.onProgress?.(Math.min(receivedTotal / knownBytes, 1));
              },
            );
            parts.push(shard.bytes);
            filesDone += 1;
            if (!(knownBytes > 0)) options.onProgress?.(filesDone / fileCount);
          }
          return parts;
        },
        (group) =>
          `The weight files ${group.paths.map((path) => new URL(path, base).href).join(', ')} (one group of ${label})`,
      );
      options.onProgress?.(1);
      return artifacts;
    },
  };
}
