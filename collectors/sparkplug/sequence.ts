import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { isDiskFull } from '../../store/disk-full.ts';

// Sparkplug's two counters. seq numbers every message of a session (NBIRTH is 0) so a host
// detects loss; bdSeq numbers the MQTT sessions so a host matches an NDEATH (the will) to the
// NBIRTH it ends. bdSeq survives restarts, or a host could pair a new birth with an old death.

const MODULO = 256;

export class MessageSequence {
  private last = MODULO - 1;

  /** Starts a session: the NBIRTH's seq, always 0. */
  birth(): number {
    this.last = 0;
    return 0;
  }

  /** The seq of the next message after the birth, wrapping 255 → 0. */
  next(): number {
    this.last = (this.last + 1) % MODULO;
    return this.last;
  }
}

/** bdSeq, kept in a small file so that it keeps counting across collector restarts. */
export class BdSeqStore {
  private last: number;
  private unsaved = false;

  constructor(
    private readonly file: string,
    /** The disk is full (told once until a save succeeds): the value counts on in memory (a restart before space returns may repeat one). */
    private readonly onUnsaved: (error: unknown) => void = () => undefined,
  ) {
    mkdirSync(path.dirname(file), { recursive: true });
    this.last = readLast(file);
  }

  /** The bdSeq of a new MQTT connection (its will and its NBIRTH), persisted before use. */
  next(): number {
    this.last = (this.last + 1) % MODULO;
    const tmp = `${this.file}.tmp`;
    try {
      writeFileSync(tmp, `${this.last}\n`);
      renameSync(tmp, this.file);
      this.unsaved = false;
    } catch (e) {
      // A full disk must not stop the edge node connecting: a host only needs bdSeq to differ from the last session's.
      if (!isDiskFull(e)) throw e;
      if (!this.unsaved) this.onUnsaved(e);
      this.unsaved = true;
    }
    return this.last;
  }
}

function readLast(file: string): number {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return MODULO - 1; // no file yet: the first connection is bdSeq 0
  }
  const n = Number(text.trim());
  return Number.isInteger(n) && n >= 0 && n < MODULO ? n : MODULO - 1;
}
