// Builds the Node addon (native/build/Release/tessera.node) with cmake-js, offline: Node-API
// headers come from the node-api-headers package (native/package.json marks the project as
// Node-API) and npm_config_nodedir points at the system's Node headers. The CUDA backend is
// compiled when nvcc is found (TESSERA_CUDA=AUTO, default; OFF or ON to force).
import { existsSync } from 'node:fs';
import { bin, jobs, runOrExit } from './lib/exec.mjs';

const env = { ...process.env };
if (!env.npm_config_nodedir && existsSync('/usr/include/node/node_api.h')) env.npm_config_nodedir = '/usr';
const defs = [`--CDTESSERA_CUDA=${env.TESSERA_CUDA ?? 'AUTO'}`];
if (env.TESSERA_CUDA_ARCHS) defs.push(`--CDTESSERA_CUDA_ARCHS=${env.TESSERA_CUDA_ARCHS}`);
runOrExit(bin('cmake-js'), ['build', '-d', 'native', '-O', 'native/build', '--CDTESSERA_BUILD_ADDON=ON', ...defs,
  '--target', 'tessera_addon', '-j', String(jobs())], { env });
