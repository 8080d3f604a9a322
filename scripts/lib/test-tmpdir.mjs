// vitest global setup: every test's temporary files go under one folder of this run, removed
// at the end, so test runs do not leave hundreds of mkdtemp folders behind in the system's
// temp directory. Workers inherit TMPDIR, which os.tmpdir() reads.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export default function setup() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-vitest-'));
  process.env.TMPDIR = dir;
  return () => {
    fs.rmSync(dir, { recursive: true, force: true });
  };
}
