// `tessera verify DIR [--gpu]` (npm run verify): runs every golden fixture in DIR through the
// engine and prints one line per result, then "N passed, N failed". Exit status 1 on any failure.
import { readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createEngine } from '../engine/engine.js';
import { toEngineError } from '../engine/errors.js';
import type { FixtureResult } from '../engine/types.js';
import { UsageError, parseArgs } from './args.js';
import type { CliIO, Command } from './io.js';

const USAGE = `usage: tessera verify DIR [--gpu] [--only SUBSTRING]

Runs every NAME.io.safetensors fixture in DIR on the CPU backend (--gpu: the CUDA backend) and
compares with the reference outputs within the fixtures' tolerances.`;

export function listFixtures(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (err) {
    throw new UsageError(`cannot read fixture folder ${dir}: ${(err as Error).message}`);
  }
  return names.filter((n) => n.endsWith('.io.safetensors') && statSync(join(dir, n)).isFile()).sort().map((n) => join(dir, n));
}

export function resultLine(r: FixtureResult): string {
  const status = r.passed ? 'PASS' : 'FAIL';
  const err = Number.isFinite(r.relL2) ? r.relL2.toExponential(2) : String(r.relL2);
  const variant = r.variant ? ` [${r.variant}]` : '';
  const detail = r.detail ? `  ${r.detail}` : '';
  return `${status}  ${r.kind.padEnd(14)} ${(r.name + variant).padEnd(36)} rel_l2 ${err} (tol ${r.tolerance.toExponential(1)})${detail}`;
}

export const verifyCommand: Command = {
  summary: 'check the engine against golden reference fixtures',
  usage: USAGE,
  async run(argv: string[], io: CliIO): Promise<number> {
    const p = parseArgs(argv, { gpu: { flag: true }, only: {}, help: { flag: true } });
    if (p.flags.has('help')) {
      io.stdout.write(`${USAGE}\n`);
      return 0;
    }
    if (p.positionals.length !== 1) throw new UsageError('verify needs exactly one fixture folder');
    const dir = resolve(p.positionals[0]!);
    const only = p.options.get('only')?.[0];
    const fixtures = listFixtures(dir).filter((f) => only === undefined || f.includes(only));
    const gpu = p.flags.has('gpu');
    const engine = await createEngine({ backend: gpu ? 'cuda' : 'cpu' });
    let passed = 0;
    let failed = 0;
    try {
      const info = engine.info();
      io.stdout.write(`verifying ${fixtures.length} fixtures in ${dir} on ${info.backend} (${info.deviceName})\n`);
      // CPU results must never pass for GPU ones.
      const runnable = gpu && info.backend !== 'cuda' ? [] : fixtures;
      if (runnable !== fixtures) {
        io.stdout.write(`FAIL  --gpu asked for, but the engine runs on the CPU: ${info.fallbackReason || 'no CUDA backend'}\n`);
        failed++;
      }
      for (const f of runnable) {
        const name = f.slice(dir.length + 1).replace(/\.io\.safetensors$/, '');
        try {
          const results = await engine.verifyFixture(f);
          if (results.length === 0) {
            io.stdout.write(`FAIL  ${'?'.padEnd(14)} ${name.padEnd(36)} the engine returned no result\n`);
            failed++;
          }
          for (const r of results) {
            io.stdout.write(`${resultLine(r)}\n`);
            if (r.passed) passed++;
            else failed++;
          }
        } catch (err) {
          const e = toEngineError(err);
          io.stdout.write(`FAIL  ${'error'.padEnd(14)} ${name.padEnd(36)} ${e.code}: ${e.message}\n`);
          failed++;
        }
      }
    } finally {
      engine.dispose();
    }
    if (fixtures.length === 0) {
      io.stdout.write(`FAIL  no *.io.safetensors fixtures in ${dir}\n`);
      failed++;
    }
    io.stdout.write(`${passed} passed, ${failed} failed\n`);
    return failed === 0 ? 0 : 1;
  },
};
