// The packaging check (build/check-package.mjs) as a unit test: packs the app with a stand-in
// Electron and checks the layout. Needs the build outputs (npm run build); without them it is
// skipped locally with the reason and fails under CI.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { expect, test } from 'vitest';

const root = path.resolve(__dirname, '../..');
const inputs = ['dist/app/main/main.js', 'native/build/Release/tessera.node', 'assets/demo-model/tessera.json'];
const missing = inputs.filter((f) => !fs.existsSync(path.join(root, f)));
if (missing.length && (process.env.CI || process.env.TESSERA_REQUIRE_ENGINE)) {
  throw new Error(`the packaging check needs the build outputs: ${missing.join(', ')}`);
}

test.skipIf(missing.length > 0)('electron-builder packs the app with the addon, the demo model and native modules unpacked', () => {
  const r = spawnSync(process.execPath, [path.join(root, 'build/check-package.mjs')], { cwd: root, encoding: 'utf8' });
  expect(r.stderr + r.stdout).toContain('layout ok');
  expect(r.status).toBe(0);
}, 300_000);
