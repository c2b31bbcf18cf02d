import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

// Fencing for hot-standby senders (control pairs, cluster/lease.ts). A command may carry its
// leader's epoch; the edge node remembers the highest epoch seen from each source and refuses
// an older one: a deposed leader that still runs (a pause, a partition from Redis) cannot write
// after its successor has spoken. Commands without an epoch are not judged here. The highest
// epochs live in a small file (written whole, then renamed) so a collector restart keeps them.

export type EpochVerdict = { ok: true } | { ok: false; highest: number };

export class EpochFence {
  private readonly highest: Map<string, number>;
  private unsaved = false;

  constructor(
    readonly file: string,
    /** The file could not be read at start (its epochs are forgotten), or not written (told once until a save succeeds: the epochs count on in memory). */
    private readonly warn: (problem: 'unreadable' | 'unsaved', error: unknown) => void = () => undefined,
  ) {
    mkdirSync(path.dirname(file), { recursive: true });
    this.highest = new Map();
    try {
      this.highest = readEpochs(file);
    } catch (e) {
      warn('unreadable', e);
    }
  }

  /** Judges one command's epoch from a source; a newer epoch becomes the highest (and is saved) before the command goes on. */
  admit(source: string, epoch: number): EpochVerdict {
    const highest = this.highest.get(source);
    if (highest !== undefined && epoch < highest) return { ok: false, highest };
    if (highest !== epoch) {
      this.highest.set(source, epoch);
      this.save();
    }
    return { ok: true };
  }

  highestOf(source: string): number | undefined {
    return this.highest.get(source);
  }

  private save(): void {
    const tmp = `${this.file}.tmp`;
    try {
      writeFileSync(tmp, `${JSON.stringify(Object.fromEntries(this.highest))}\n`);
      renameSync(tmp, this.file);
      this.unsaved = false;
    } catch (e) {
      // A command is not held up by its fence's file: the epoch is still judged in memory.
      if (!this.unsaved) this.warn('unsaved', e);
      this.unsaved = true;
    }
  }
}

/** The saved epochs; none when there is no file yet; throws on a file that is not an object of whole numbers. */
function readEpochs(file: string): Map<string, number> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
    throw e;
  }
  const doc: unknown = JSON.parse(text);
  const entries = typeof doc === 'object' && doc !== null && !Array.isArray(doc) ? Object.entries(doc) : [];
  if (entries.length === 0 && text.trim() !== '{}') throw new Error(`${file} is not an object of epochs`);
  const bad = entries.find(([, v]) => !Number.isSafeInteger(v) || (v as number) < 0);
  if (bad) throw new Error(`${file}: epoch of ${bad[0]} is not a whole number`);
  return new Map(entries as [string, number][]);
}
