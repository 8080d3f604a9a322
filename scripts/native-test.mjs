// The C++ suite: configure native/build if needed (it is shared with the addon build), build
// tessera_tests, run it. Extra arguments are test filters: npm run test:native -- capi
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, jobs, runOrExit } from './lib/exec.mjs';

const build = join(ROOT, 'native', 'build');
if (!existsSync(join(build, 'CMakeCache.txt'))) {
  const archs = process.env.TESSERA_CUDA_ARCHS ? [`-DTESSERA_CUDA_ARCHS=${process.env.TESSERA_CUDA_ARCHS}`] : [];
  runOrExit('cmake', ['-S', 'native', '-B', 'native/build', '-DCMAKE_BUILD_TYPE=Release',
    `-DTESSERA_CUDA=${process.env.TESSERA_CUDA ?? 'AUTO'}`, ...archs]);
}
runOrExit('cmake', ['--build', 'native/build', '--target', 'tessera_tests', '-j', String(jobs())]);
runOrExit(join(build, 'tessera_tests'), process.argv.slice(2));
