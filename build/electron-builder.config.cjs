// electron-builder configuration of the desktop app (AppImage and deb, NSIS, dmg).
//   npx electron-builder --config build/electron-builder.config.cjs [--linux|--win|--mac] [--dir]
// Before packing: `npm run build` (addon, TypeScript, renderer, demo model) and
// `node build/rebuild-native-deps.mjs` (better-sqlite3 for Electron's ABI).
// Native code and the demo model are unpacked from the asar: the addon must be loadable by the
// OS loader, and the engine reads the model's weights with its own file I/O.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const hasFfmpegStatic = fs.existsSync(path.join(root, 'node_modules', 'ffmpeg-static', 'package.json'));
// A folder with ffmpeg and ffprobe binaries to ship (e.g. a static build for the target OS);
// the app points app/media at resources/ffmpeg/ when it exists.
const ffmpegDir = process.env.TESSERA_FFMPEG_DIR ? path.resolve(process.env.TESSERA_FFMPEG_DIR) : null;
if (ffmpegDir && !fs.existsSync(ffmpegDir)) throw new Error(`TESSERA_FFMPEG_DIR=${ffmpegDir} does not exist`);

/** @type {import('electron-builder').Configuration} */
module.exports = {
  appId: 'app.tessera.desktop',
  productName: 'Tessera',
  executableName: 'tessera',
  copyright: 'Copyright © Tessera contributors',
  electronVersion: require(path.join(root, 'node_modules', 'electron', 'package.json')).version,
  directories: { output: 'out/packages', buildResources: 'build/resources' },
  extraMetadata: { main: 'dist/app/main/main.js' },
  files: [
    'package.json',
    'dist/app/**/*.js',
    '!dist/app/**/*.test.js',
    '!dist/app/**/*.test-d.js',
    '!dist/app/**/test/**',
    'renderer/dist/**',
    'assets/demo-model/**',
    'native/build/Release/tessera.node',
    '!**/*.map',
  ],
  asarUnpack: [
    'native/build/Release/tessera.node',
    'assets/demo-model/**',
    '**/*.node',
    ...(hasFfmpegStatic ? ['node_modules/ffmpeg-static/**'] : []),
  ],
  extraResources: ffmpegDir ? [{ from: ffmpegDir, to: 'ffmpeg', filter: ['ffmpeg', 'ffprobe', 'ffmpeg.exe', 'ffprobe.exe'] }] : [],
  // better-sqlite3 is rebuilt for Electron by build/rebuild-native-deps.mjs (@electron/rebuild);
  // our own addon is Node-API (ABI-stable), built once by cmake-js.
  afterPack: path.join(__dirname, 'after-pack.cjs'),
  npmRebuild: false,
  nodeGypRebuild: false,
  linux: {
    target: ['AppImage', 'deb'],
    category: 'Video',
    synopsis: 'Text-to-video on your own GPU',
    maintainer: 'Tessera contributors <tessera@users.noreply.github.com>',
  },
  deb: { recommends: ['ffmpeg'] },
  win: { target: ['nsis'] },
  nsis: { oneClick: false, perMachine: false, allowToChangeInstallationDirectory: true },
  mac: { target: ['dmg'], category: 'public.app-category.video', hardenedRuntime: true },
  dmg: { title: 'Tessera ${version}' },
};
