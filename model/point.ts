import type { TagName } from './tags.ts';

export type Quality = 'good' | 'uncertain' | 'bad';

export type PointValue = number | boolean;

/** One sample of one tag of one substation: the unit of everything on the data path. */
export interface Point {
  substation: string;
  tag: TagName;
  /** Milliseconds since the epoch, UTC. */
  ts: number;
  value: PointValue;
  quality: Quality;
}
