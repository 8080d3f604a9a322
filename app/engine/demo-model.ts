// Where the built-in demo model lives: $TESSERA_DEMO_MODEL, the packaged app's resources, or
// assets/demo-model of a source checkout (written by scripts/make-demo-model.mjs at install).
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { EngineError } from './errors.js';

export function demoModelCandidates(): string[] {
  const out: string[] = [];
  if (process.env.TESSERA_DEMO_MODEL) out.push(resolve(process.env.TESSERA_DEMO_MODEL));
  const resources = (process as { resourcesPath?: string }).resourcesPath;
  if (resources) out.push(join(resources, 'assets', 'demo-model'), join(resources, 'app.asar.unpacked', 'assets', 'demo-model'));
  let dir = resolve(__dirname);
  for (let i = 0; i < 5; i++) {
    out.push(join(dir, 'assets', 'demo-model'));
    dir = dirname(dir);
  }
  return [...new Set(out)];
}

/** The demo model folder; NOT_FOUND with the fix when it has not been generated. */
export function demoModelDir(): string {
  const candidates = demoModelCandidates();
  for (const dir of candidates) if (existsSync(join(dir, 'tessera.json'))) return dir;
  throw new EngineError('NOT_FOUND',
    `the built-in demo model is missing (looked in ${candidates.join(', ')}); ` +
    'create it with `npm run build:demo-model` (or pass --model DIR)');
}
