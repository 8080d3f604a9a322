#!/usr/bin/env node
// Packaging check: packs the app with electron-builder (--dir, Linux) against a stand-in
// Electron distribution (no download, no Electron binary needed) and checks the packaged
// layout: our code in the asar, the addon and the demo model unpacked beside it, native npm
// modules unpacked, no tests or sources shipped. Run after `npm run build`.
//   node build/check-package.mjs [--keep]
// Exit status 0 when the layout is right; every problem is listed.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const asar = require('@electron/asar');

const problems = [];
const need = (cond, what) => { if (!cond) problems.push(what); };

// Inputs the package needs; without them there is nothing meaningful to check.
const inputs = {
  'dist/app/main/main.js': 'npm run build:ts',
  'native/build/Release/tessera.node': 'npm run build:native',
  'assets/demo-model/tessera.json': 'npm run build:demo-model',
};
const missing = Object.entries(inputs).filter(([f]) => !fs.existsSync(path.join(root, f)));
if (missing.length) {
  console.error(`check-package: build first: ${missing.map(([f, cmd]) => `${f} (${cmd})`).join(', ')}`);
  process.exit(2);
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-pack-'));
const electronDist = path.join(work, 'electron-dist');
fs.mkdirSync(path.join(electronDist, 'resources'), { recursive: true });
fs.writeFileSync(path.join(electronDist, 'electron'), '#!/bin/sh\necho "stand-in Electron for the layout check"\n', { mode: 0o755 });
fs.writeFileSync(path.join(electronDist, 'LICENSE'), 'stand-in');
const out = path.join(work, 'out');
// Stand-in ffmpeg binaries, to check that a bundled ffmpeg lands in resources/ffmpeg.
const ffmpegDir = path.join(work, 'ffmpeg');
fs.mkdirSync(ffmpegDir);
for (const tool of ['ffmpeg', 'ffprobe']) fs.writeFileSync(path.join(ffmpegDir, tool), '#!/bin/sh\n', { mode: 0o755 });

const builder = path.join(root, 'node_modules', 'electron-builder', 'cli.js');
try {
  execFileSync(process.execPath, [builder, '--linux', 'dir', '--x64', '--projectDir', root,
    '--config', path.join(root, 'build', 'electron-builder.config.cjs'),
    `-c.electronDist=${electronDist}`, `-c.directories.output=${out}`, '--publish', 'never'],
  { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TESSERA_PACKAGE_CHECK: '1', TESSERA_FFMPEG_DIR: ffmpegDir, CSC_IDENTITY_AUTO_DISCOVERY: 'false' } });
} catch (e) {
  console.error(`check-package: electron-builder failed:\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  process.exit(1);
}

const app = path.join(out, 'linux-unpacked');
const resources = path.join(app, 'resources');
const unpacked = path.join(resources, 'app.asar.unpacked');
const asarFile = path.join(resources, 'app.asar');
need(fs.existsSync(path.join(app, 'tessera')), 'the executable resources/../tessera is missing');
need(fs.existsSync(asarFile), 'resources/app.asar is missing');

const listed = new Set(fs.existsSync(asarFile) ? asar.listPackage(asarFile).map((p) => p.replace(/\\/g, '/').replace(/^\//, '')) : []);
for (const f of ['package.json', 'dist/app/main/main.js', 'dist/app/preload/preload.js', 'dist/app/host/child-main.js',
  'dist/app/core/app-core.js', 'dist/app/contract/index.js', 'dist/app/engine/engine.js', 'dist/app/media/index.js',
  'node_modules/better-sqlite3/package.json', 'node_modules/zod/package.json', 'node_modules/ws/package.json']) {
  need(listed.has(f), `${f} is not in the asar`);
}
if (fs.existsSync(path.join(root, 'renderer/dist/index.html'))) need(listed.has('renderer/dist/index.html'), 'renderer/dist/index.html is not in the asar');
const shipped = [...listed];
need(!shipped.some((p) => /\.test(-d)?\.js$/.test(p) || /^dist\/app\/.*\/test\//.test(p)), 'test files are packaged');
need(!shipped.some((p) => p.startsWith('app/') || p.endsWith('.ts') && !p.endsWith('.d.ts') && p.startsWith('dist/')), 'TypeScript sources are packaged');
need(!shipped.some((p) => p.startsWith('native/src') || p.startsWith('native/tests')), 'native sources are packaged');
need(!shipped.some((p) => p.startsWith('node_modules/electron/') || p.startsWith('node_modules/vitest/')), 'dev dependencies are packaged');

// Every module the main process, the preload and the engine process load (relative requires,
// followed from their entries) is packaged, so nothing fails with MODULE_NOT_FOUND at start.
const asarRead = (p) => asar.extractFile(asarFile, p).toString('utf8');
for (const entry of ['dist/app/main/main.js', 'dist/app/preload/preload.js', 'dist/app/host/child-main.js']) {
  const seen = new Set();
  const stack = [entry];
  while (stack.length) {
    const f = stack.pop();
    if (seen.has(f)) continue;
    seen.add(f);
    if (!listed.has(f)) {
      problems.push(`${f} (loaded from ${entry}) is not in the asar`);
      continue;
    }
    for (const m of asarRead(f).matchAll(/require\("(\.{1,2}\/[^"]+)"\)/g)) {
      const target = path.posix.normalize(path.posix.join(path.posix.dirname(f), m[1]));
      stack.push(target.endsWith('.js') ? target : `${target}.js`);
    }
  }
  if (entry.includes('preload')) {
    need(seen.size === 1, 'the preload requires local modules (a sandboxed preload can only require electron)');
  }
}

// Unpacked: the addon (byte-identical), the demo model, native npm modules.
const addon = path.join(unpacked, 'native/build/Release/tessera.node');
need(fs.existsSync(addon), 'the addon is not unpacked (app.asar.unpacked/native/build/Release/tessera.node)');
if (fs.existsSync(addon)) {
  need(fs.readFileSync(addon).equals(fs.readFileSync(path.join(root, 'native/build/Release/tessera.node'))), 'the unpacked addon differs from the build');
}
for (const f of fs.readdirSync(path.join(root, 'assets/demo-model'), { recursive: true })) {
  const src = path.join(root, 'assets/demo-model', String(f));
  if (fs.statSync(src).isFile()) need(fs.existsSync(path.join(unpacked, 'assets/demo-model', String(f))), `demo model file ${f} is not unpacked`);
}
need(fs.existsSync(path.join(unpacked, 'node_modules/better-sqlite3/build/Release/better_sqlite3.node')), 'better-sqlite3 is not unpacked');
for (const tool of ['ffmpeg', 'ffprobe']) {
  const f = path.join(resources, 'ffmpeg', tool);
  need(fs.existsSync(f) && (fs.statSync(f).mode & 0o111) !== 0, `the bundled ${tool} is not in resources/ffmpeg (or not executable)`);
}
if (fs.existsSync(path.join(root, 'node_modules/ffmpeg-static/package.json'))) {
  need(fs.existsSync(path.join(unpacked, 'node_modules/ffmpeg-static')), 'ffmpeg-static is installed but not unpacked');
}

if (!process.argv.includes('--keep')) fs.rmSync(work, { recursive: true, force: true });
if (problems.length) {
  console.error(`check-package: ${problems.length} problem(s):\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log(`check-package: layout ok (${listed.size} files in the asar; addon, demo model and native modules unpacked)`);
