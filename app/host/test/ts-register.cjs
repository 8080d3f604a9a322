// Test-only: lets `node -r ts-register.cjs child.ts` run our TypeScript sources in a forked
// process (vitest transforms only its own process). Transpiles each .ts file to CommonJS with
// the TypeScript compiler and maps the sources' './x.js' imports to './x.ts'.
'use strict';
const fs = require('node:fs');
const Module = require('node:module');
const ts = require('typescript');

const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, parent, ...rest) {
  try {
    return resolve.call(this, request, parent, ...rest);
  } catch (e) {
    if (request.endsWith('.js') && parent && parent.filename && parent.filename.endsWith('.ts')) {
      return resolve.call(this, request.slice(0, -3) + '.ts', parent, ...rest);
    }
    throw e;
  }
};

require.extensions['.ts'] = function (module, filename) {
  const out = ts.transpileModule(fs.readFileSync(filename, 'utf8'), {
    fileName: filename,
    compilerOptions: {
      module: ts.ModuleKind.CommonJS,
      target: ts.ScriptTarget.ES2022,
      esModuleInterop: true,
      inlineSourceMap: true,
    },
  });
  module._compile(out.outputText, filename);
};
