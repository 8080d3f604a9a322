// Runs the CLI's default generation (demo model, its defaults) several times and prints each
// wall time and the median: node scripts/bench-cli.mjs [RUNS] [-- extra generate options]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './lib/exec.mjs';

const argv = process.argv.slice(2);
const dash = argv.indexOf('--');
const extra = dash >= 0 ? argv.slice(dash + 1) : [];
const runs = Number(dash === 0 ? 5 : argv[0] ?? 5);
if (!Number.isInteger(runs) || runs < 1) {
  console.error('usage: node scripts/bench-cli.mjs [RUNS] [-- generate options]');
  process.exit(2);
}
const dir = mkdtempSync(join(tmpdir(), 'tsr-bench-'));
const times = [];
try {
  for (let i = 0; i < runs; i++) {
    const out = join(dir, `run-${i}.mp4`);
    const t0 = process.hrtime.bigint();
    const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'tessera.js'), 'generate', '--prompt',
      'a red ball bouncing on a blue background', '--seed', '42', '--out', out, '--quiet', '--json', ...extra],
    { encoding: 'utf8' });
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    if (r.status !== 0) {
      console.error(r.stderr);
      process.exit(1);
    }
    const { timings } = JSON.parse(r.stdout.trim().split('\n').pop());
    times.push(seconds);
    console.log(`run ${i + 1}/${runs}: ${seconds.toFixed(2)} s (text ${timings.textSeconds.toFixed(2)} s, ` +
      `denoise ${timings.denoiseSeconds.toFixed(2)} s, decode ${timings.decodeSeconds.toFixed(2)} s)`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
const sorted = [...times].sort((a, b) => a - b);
const mid = Math.floor(sorted.length / 2);
const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
console.log(`median ${median.toFixed(2)} s over ${runs} runs (min ${sorted[0].toFixed(2)} s, max ${sorted[sorted.length - 1].toFixed(2)} s)`);
