// A server keeps up to queue_size samples of a tag between publishes; when a publish comes late,
// one notification carries several samples of one tag. Points are stamped on the collector's
// clock at receipt (quality.ts), which would give them all one time, and the store keeps one
// value per (series, time): all but the last would be lost. So the older samples of a tag in one
// publish are placed before the newest as far apart as the server sampled them (its clock's
// spacing, not its time, which may drift or jump), at least 1 ms apart, in order, and always
// after the tag's last stamped point.

import type { Point } from '../../model/point.ts';
import type { TagName } from '../../model/tags.ts';

export interface ReceivedSample {
  point: Point;
  /** When the server took the sample, on its clock; undefined when it did not say. */
  sampledAt: number | undefined;
}

/** Beyond this the server's spacing is not a queue's (a clock that jumped): 1 ms is used. */
const MAX_SPACING_MS = 60_000;

/**
 * The points of one publish, each tag's samples at distinct, increasing times; `lastStamped`
 * holds each tag's last time across publishes and is updated.
 */
export function stampSamples(received: readonly ReceivedSample[], lastStamped: Map<TagName, number>): Point[] {
  const byTag = new Map<TagName, number[]>();
  received.forEach((r, k) => {
    const list = byTag.get(r.point.tag);
    if (list) list.push(k);
    else byTag.set(r.point.tag, [k]);
  });
  const ts = received.map((r) => r.point.ts);
  for (const [tag, indexes] of byTag) {
    for (let i = indexes.length - 2; i >= 0; i--) {
      const [older, newer] = [received[indexes[i]], received[indexes[i + 1]]];
      const spacing = older.sampledAt !== undefined && newer.sampledAt !== undefined ? newer.sampledAt - older.sampledAt : 0;
      ts[indexes[i]] = ts[indexes[i + 1]] - (spacing > 0 && spacing <= MAX_SPACING_MS ? spacing : 1);
    }
    let previous = lastStamped.get(tag) ?? Number.NEGATIVE_INFINITY;
    for (const k of indexes) {
      ts[k] = Math.max(ts[k], previous + 1);
      previous = ts[k];
    }
    lastStamped.set(tag, previous);
  }
  return received.map((r, k) => (ts[k] === r.point.ts ? r.point : { ...r.point, ts: ts[k] }));
}
