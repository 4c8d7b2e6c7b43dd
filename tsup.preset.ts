import type { Options } from 'tsup';

/**
 * The one build preset every package uses: ESM + CJS + declarations, tfjs-core left external
 * (a peer), except the deep `dist/` modules named in `bundle` (tfjs-core's gradient registration
 * cannot be imported from plain Node, so it is compiled into our output instead).
 */
export function netlensPreset(options: {
  entry: Record<string, string> | string[];
  bundle?: (string | RegExp)[];
  external?: (string | RegExp)[];
  platform?: 'node' | 'neutral' | 'browser';
}): Options {
  return {
    entry: options.entry,
    format: ['esm', 'cjs'],
    dts: true,
    clean: true,
    sourcemap: true,
    target: 'es2022',
    platform: options.platform ?? 'neutral',
    splitting: true,
    treeshake: true,
    noExternal: options.bundle ?? [],
    external: [/^@tensorflow\/tfjs-core$/, /^@netlens\//, ...(options.external ?? [])],
  };
}
