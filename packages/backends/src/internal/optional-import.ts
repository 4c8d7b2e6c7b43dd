/**
 * Imports an optional peer by a specifier held in a variable, so bundlers never try to resolve it
 * (a literal `import('@tensorflow/tfjs-node-gpu')` breaks a consumer's Vite build when absent).
 * Returns `undefined` when the package is not installed; rethrows when it is installed but broken.
 */
export async function importOptional(specifier: string): Promise<Record<string, unknown> | undefined> {
  try {
    return (await import(/* @vite-ignore */ /* webpackIgnore: true */ specifier)) as Record<string, unknown>;
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    const message = String((error as { message?: unknown } | null)?.message ?? '');
    const notFound =
      code === 'ERR_MODULE_NOT_FOUND' ||
      code === 'MODULE_NOT_FOUND' ||
      /Cannot find (module|package)|Could not resolve|Failed to load url/.test(message);
    if (notFound && message.includes(specifier)) return undefined;
    throw error;
  }
}

/** True in Node.js (not in browsers, workers or Deno's browser mode). */
export function isNode(): boolean {
  const proc = (globalThis as { process?: { versions?: { node?: string } } }).process;
  return typeof proc?.versions?.node === 'string';
}
