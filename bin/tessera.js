#!/usr/bin/env node
// Runs the compiled CLI (dist/app/cli/main.js, built by `npm run build`).
'use strict';
const path = require('node:path');
const fs = require('node:fs');

const entry = path.join(__dirname, '..', 'dist', 'app', 'cli', 'main.js');
if (!fs.existsSync(entry)) {
  process.stderr.write(`tessera: ${entry} is missing; build the app first: npm run build\n`);
  process.exit(1);
}
require(entry).run(process.argv.slice(2));
