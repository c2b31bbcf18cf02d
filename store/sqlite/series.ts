import type Database from 'better-sqlite3';
import type { SeriesKey } from '../../model/store.ts';

// Series ids, cached in memory: the write path looks one up per point. Ids created inside a
// write transaction are cached only once it commits, so a rolled-back batch leaves no id
// behind that SQLite might hand to another series later.

export interface ResolvedIds {
  /** The series id of each point, in batch order. */
  ids: Float64Array;
  /** Caches the ids the batch looked up or created; call after the transaction committed. */
  commit(): void;
}

export class SeriesIds {
  private readonly cache = new Map<string, Map<string, number>>();
  private known = 0;
  private readonly select: Database.Statement<[string, string], number>;
  private readonly insert: Database.Statement<[string, string], number>;

  constructor(db: Database.Database) {
    this.select = db.prepare<[string, string], number>('SELECT id FROM series WHERE substation = ? AND tag = ?').pluck();
    this.insert = db.prepare<[string, string], number>('INSERT INTO series (substation, tag) VALUES (?, ?) RETURNING id').pluck();
  }

  /** The id of an existing series (another process may have made it), or undefined. */
  find(substation: string, tag: string): number | undefined {
    const cached = this.cache.get(substation)?.get(tag);
    if (cached !== undefined) return cached;
    const id = this.select.get(substation, tag);
    if (id !== undefined) this.remember(substation, tag, id);
    return id;
  }

  /** Ids for a batch, creating missing series; call inside the write transaction. */
  resolve(points: readonly SeriesKey[]): ResolvedIds {
    const ids = new Float64Array(points.length);
    const learned: { substation: string; tag: string; id: number }[] = [];
    const pending = new Map<string, number>();
    for (let i = 0; i < points.length; i++) {
      const { substation, tag } = points[i];
      let id = this.cache.get(substation)?.get(tag);
      if (id === undefined) {
        const key = `${substation}\u0000${tag}`;
        id = pending.get(key);
        if (id === undefined) {
          id = this.select.get(substation, tag) ?? (this.insert.get(substation, tag) as number);
          pending.set(key, id);
          learned.push({ substation, tag, id });
        }
      }
      ids[i] = id;
    }
    return { ids, commit: () => learned.forEach((s) => this.remember(s.substation, s.tag, s.id)) };
  }

  /** How many series this process has looked up or created. */
  get size(): number {
    return this.known;
  }

  private remember(substation: string, tag: string, id: number): void {
    let tags = this.cache.get(substation);
    if (!tags) this.cache.set(substation, (tags = new Map()));
    if (!tags.has(tag)) this.known++;
    tags.set(tag, id);
  }
}

/**
 * The writer thread's side of series numbering (worker-writer.ts): its client numbers each
 * series 0, 1, 2… the first time a batch carries it and sends the key once, so batches cross
 * the thread boundary as numbers instead of strings. Maps those numbers to series ids.
 */
export class SeriesIndex {
  private readonly keys: SeriesKey[] = [];
  /** Series ids of keys[0 .. ids.length), known to be committed. */
  private ids = new Float64Array(0);

  /** Keys numbered next, in the order the client numbered them. */
  add(keys: readonly SeriesKey[]): void {
    for (const key of keys) this.keys.push(key);
  }

  get size(): number {
    return this.keys.length;
  }

  /** Ids indexed by series number, creating missing series; call inside the write transaction. */
  resolve(series: SeriesIds): ResolvedIds {
    const known = this.ids;
    if (known.length === this.keys.length) return { ids: known, commit: () => undefined };
    const fresh = series.resolve(this.keys.slice(known.length));
    const ids = new Float64Array(this.keys.length);
    ids.set(known);
    ids.set(fresh.ids, known.length);
    return {
      ids,
      commit: () => {
        fresh.commit();
        this.ids = ids;
      },
    };
  }
}
