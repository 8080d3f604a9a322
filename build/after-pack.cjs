// electron-builder afterPack hook: replaces the packaged better-sqlite3 binary (built for Node)
// with the one build/rebuild-native-deps.mjs built for Electron. A real package without it
// would fail at start, so packing fails instead -- except in the layout check (stand-in
// Electron, TESSERA_PACKAGE_CHECK=1), which has no Electron headers to build against.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const REL = path.join('node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node');

function findUnpacked(dir) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory() && e.name === 'app.asar.unpacked') return p;
    if (e.isDirectory() && !e.name.startsWith('.') && e.name !== 'locales') {
      const hit = findUnpacked(p);
      if (hit) return hit;
    }
  }
  return null;
}

module.exports = async function afterPack(context) {
  const built = path.resolve(__dirname, '..', 'out', 'electron-native', REL);
  const unpacked = findUnpacked(context.appOutDir);
  if (!unpacked) throw new Error(`no app.asar.unpacked under ${context.appOutDir}`);
  const target = path.join(unpacked, REL);
  if (!fs.existsSync(built)) {
    if (process.env.TESSERA_PACKAGE_CHECK === '1') {
      console.log('  • layout check: keeping the Node build of better-sqlite3 (no Electron rebuild here)');
      return;
    }
    throw new Error('better-sqlite3 is not built for Electron: run `node build/rebuild-native-deps.mjs` first');
  }
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.copyFileSync(built, target);
  console.log(`  • better-sqlite3 for Electron -> ${target}`);
};
