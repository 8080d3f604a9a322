import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { EventBus } from '../event-bus.js';
import { Logger } from './logger.js';

describe('logger', () => {
  test('rotates at the size limit, keeping N files', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsr-log-'));
    const log = new Logger({ dir, maxBytes: 1000, keepFiles: 3 });
    for (let i = 0; i < 100; i++) log.log('info', 'test', `line ${i} ${'x'.repeat(40)}`);
    const files = fs.readdirSync(dir).sort();
    expect(files).toEqual(['tessera.log', 'tessera.log.1', 'tessera.log.2']);
    for (const f of files) expect(fs.statSync(path.join(dir, f)).size).toBeLessThanOrEqual(1000);
    expect(fs.readFileSync(path.join(dir, 'tessera.log'), 'utf8')).toContain('line 99');
  });

  test('tail filters by level; events carry entries; below-level lines are dropped', () => {
    const bus = new EventBus();
    const got: string[] = [];
    bus.on('log', (e) => got.push(e.message));
    const log = new Logger({ dir: null, events: bus, level: 'info' });
    const q = log.child('queue');
    q.debug('hidden');
    q.info('a');
    q.warn('b');
    q.error('c');
    expect(log.tail(10).map((e) => e.message)).toEqual(['a', 'b', 'c']);
    expect(log.tail(10, 'warn').map((e) => `${e.source}:${e.message}`)).toEqual(['queue:b', 'queue:c']);
    expect(log.tail(1).map((e) => e.message)).toEqual(['c']);
    expect(got).toEqual(['a', 'b', 'c']);
  });
});
