// End-to-end tests: e2e/run.mjs when present, else the Playwright test runner when a config and
// @playwright/test are installed; says so and succeeds when neither exists yet.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, bin, runOrExit } from './lib/exec.mjs';

const runner = join(ROOT, 'e2e', 'run.mjs');
const configs = ['playwright.config.ts', 'playwright.config.mjs', 'playwright.config.js'].map((f) => join(ROOT, f));
if (existsSync(runner)) {
  runOrExit(process.execPath, [runner, ...process.argv.slice(2)]);
} else if (configs.some(existsSync) && existsSync(bin('playwright')) && existsSync(join(ROOT, 'node_modules', '@playwright', 'test'))) {
  runOrExit(bin('playwright'), ['test', ...process.argv.slice(2)]);
} else {
  console.error('test:e2e: no e2e/run.mjs or Playwright config yet, nothing to run');
}
