import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BdSeqStore, MessageSequence } from './sequence.ts';

describe('MessageSequence', () => {
  it('NBIRTH is 0, then every message counts up and wraps 255 → 0', () => {
    const seq = new MessageSequence();
    expect(seq.birth()).toBe(0);
    const next = Array.from({ length: 300 }, () => seq.next());
    expect(next.slice(0, 3)).toEqual([1, 2, 3]);
    expect(next.slice(253, 258)).toEqual([254, 255, 0, 1, 2]);
    expect(seq.birth()).toBe(0);
    expect(seq.next()).toBe(1);
  });
});

describe('BdSeqStore', () => {
  const dirs: string[] = [];
  const file = () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'bdseq-'));
    dirs.push(dir);
    return path.join(dir, 'sub', 'node.bdseq');
  };
  afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('starts at 0 and keeps counting across restarts', () => {
    const f = file();
    const first = new BdSeqStore(f);
    expect([first.next(), first.next(), first.next()]).toEqual([0, 1, 2]);
    expect(new BdSeqStore(f).next()).toBe(3);
  });

  it('wraps 255 → 0', () => {
    const f = file();
    new BdSeqStore(f).next();
    writeFileSync(f, '254\n');
    const store = new BdSeqStore(f);
    expect([store.next(), store.next()]).toEqual([255, 0]);
  });

  it('a damaged file starts again at 0 rather than failing', () => {
    const f = file();
    new BdSeqStore(f).next();
    writeFileSync(f, 'garbage');
    expect(new BdSeqStore(f).next()).toBe(0);
  });
});
