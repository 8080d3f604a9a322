// The headless engine process: a fork of the compiled child-main.js beside this file.
import fs from 'node:fs';
import path from 'node:path';
import { ForkLauncher } from './fork-launcher.js';

export function childMainPath(): string {
  return path.join(__dirname, 'child-main.js');
}

export function defaultForkLauncher(onStderr?: (line: string) => void): ForkLauncher {
  const modulePath = childMainPath();
  if (!fs.existsSync(modulePath)) {
    throw new Error(`the engine process entry ${modulePath} is missing: build the app first (npm run build:ts)`);
  }
  return new ForkLauncher({ modulePath, ...(onStderr ? { onStderr } : {}) });
}
