#!/usr/bin/env node
// Builds better-sqlite3 (our one native npm dependency) for the Electron version we ship, with
// @electron/rebuild, into out/electron-native/ -- never in place: node_modules keeps the Node
// build that the CLI, the headless server and the tests use. build/after-pack.cjs puts the
// Electron build into the packaged app. Needs Electron's headers (downloaded by node-gyp once).
// Our own addon is Node-API (ABI-stable) and needs no rebuild.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { rebuild } from '@electron/rebuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const electronVersion = require(path.join(root, 'node_modules/electron/package.json')).version;
const arch = process.env.npm_config_arch ?? process.arch;
const stage = path.join(root, 'out', 'electron-native');

fs.rmSync(stage, { recursive: true, force: true });
fs.mkdirSync(path.join(stage, 'node_modules'), { recursive: true });
const sqliteVersion = require(path.join(root, 'node_modules/better-sqlite3/package.json')).version;
fs.writeFileSync(path.join(stage, 'package.json'),
  JSON.stringify({ name: 'tessera-electron-native', private: true, dependencies: { 'better-sqlite3': sqliteVersion } }, null, 2));
const src = path.join(root, 'node_modules/better-sqlite3');
fs.cpSync(src, path.join(stage, 'node_modules/better-sqlite3'), {
  recursive: true, filter: (p) => p !== path.join(src, 'build') && !p.startsWith(path.join(src, 'build') + path.sep),
});

console.log(`building better-sqlite3 ${sqliteVersion} for Electron ${electronVersion} (${arch}) in ${stage}`);
await rebuild({ buildPath: stage, electronVersion, arch, onlyModules: ['better-sqlite3'], force: true, buildFromSource: true });
const out = path.join(stage, 'node_modules/better-sqlite3/build/Release/better_sqlite3.node');
if (!fs.existsSync(out)) throw new Error(`the rebuild did not produce ${out}`);
console.log(`done: ${out}`);
