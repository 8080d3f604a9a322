// Test-only: a ForkLauncher for the fake engine process.
import path from 'node:path';
import { ForkLauncher } from '../fork-launcher.js';

export function fakeLauncher(env: Record<string, string> = {}): ForkLauncher {
  return new ForkLauncher({
    modulePath: path.join(__dirname, 'fake-engine-child.ts'),
    execArgv: ['-r', path.join(__dirname, 'ts-register.cjs')],
    env: { ...process.env, FAKE_STEP_MS: '20', ...env },
  });
}

/** Test-only: the product's engine process (child-main.ts, the real native engine) run from source. */
export function sourceChildLauncher(env: Record<string, string> = {}): ForkLauncher {
  return new ForkLauncher({
    modulePath: path.join(__dirname, '..', 'child-main.ts'),
    execArgv: ['-r', path.join(__dirname, 'ts-register.cjs')],
    env: { ...process.env, ...env },
  });
}
