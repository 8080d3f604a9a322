// Shared by the build and test scripts: run a command with inherited output, fail loudly.
import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Build parallelism: $TESSERA_JOBS, else the core count. */
export function jobs() {
  const env = Number(process.env.TESSERA_JOBS);
  return Number.isInteger(env) && env > 0 ? env : Math.max(1, availableParallelism());
}

export function run(cmd, args, opts = {}) {
  console.error(`> ${[cmd, ...args].join(' ')}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: ROOT, ...opts });
  if (r.error) {
    console.error(`cannot run ${cmd}: ${r.error.message}`);
    return 127;
  }
  return r.status ?? 1;
}

export function runOrExit(cmd, args, opts = {}) {
  const code = run(cmd, args, opts);
  if (code !== 0) process.exit(code);
}

/** node_modules/.bin/NAME of this checkout. */
export function bin(name) {
  return join(ROOT, 'node_modules', '.bin', name);
}
