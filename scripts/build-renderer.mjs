// Builds the React renderer with Vite once it exists (renderer/vite.config.ts).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, bin, runOrExit } from './lib/exec.mjs';

const config = join(ROOT, 'renderer', 'vite.config.ts');
if (!existsSync(config)) {
  console.error('build:renderer: no renderer/vite.config.ts yet, nothing to build');
} else {
  runOrExit(bin('vite'), ['build', '--config', config]);
}
