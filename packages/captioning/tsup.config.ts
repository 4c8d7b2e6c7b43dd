import { defineConfig } from 'tsup';
import { netlensPreset } from '../../tsup.preset';

export default defineConfig(netlensPreset({ entry: { index: 'src/index.ts', node: 'src/node.ts' } }));
