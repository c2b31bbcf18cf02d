import type { TagName } from '../../model/tags.ts';
import type { RuleConfig, RuleOf } from '../config-schema.ts';
import type { Value, View } from '../view.ts';

// The seam between the engine and one rule kind: a rule looks at a view and says whether its
// condition holds now. The engine applies the on/off delays, the states and the suppression.

export interface RuleContext {
  view: View;
  now: number;
  /** Whether the rule's alarm is active now (a limit's deadband depends on it). */
  active: boolean;
  pollPeriodMs: number;
  /** How many other substations are reporting (not silent) now. */
  neighboursReporting: number;
}

/** What a rule saw when its alarm raised: the tag and its value (none for a silent PLC). */
export interface Cause {
  tag?: TagName;
  value?: Value;
  /** In words, when no tag says it: a role's full disk and its path (rules/disk-full.ts). */
  detail?: string;
  /** Set by the engine: which of the alarm's rules, and since when (ms) its condition held. */
  rule?: number;
  since?: number;
}

/** A sample of the past, as a rule that learns (a baseline) keeps them. */
export interface Sample {
  at: number;
  value: number;
}

/** What a rule learns from: one tag, sampled every stepMs over windowMs. */
export interface LearnsFrom {
  tag: TagName;
  windowMs: number;
  stepMs: number;
}

export interface Rule {
  /** True: holds; false: does not; null: cannot tell (no data), keep the alarm as it is. */
  evaluate(ctx: RuleContext): boolean | null;
  /** The tag that made it hold, when the rule has more than one (the engine reads `tag` otherwise). */
  explain?(view: View): Cause;
  /** Rules about the link itself are evaluated while the substation is silent; value rules are not. */
  readonly aboutLink: boolean;
  /**
   * A rule that learns what is normal asks the store for its past when it starts (engine.ts), so
   * a restarted engine or a standby taking over is not blind until it has learned again.
   */
  readonly learnsFrom?: LearnsFrom;
  /** The stored past, oldest first; samples it took itself meanwhile are kept. */
  learn?(past: readonly Sample[]): void;
}

export type RuleFactory<K extends RuleConfig['kind']> = (config: RuleOf<K>) => Rule;

/** Whether a view is silent: a DEATH, or no data for `polls` poll periods. */
export function isSilent(view: View, now: number, pollPeriodMs: number, polls: number): boolean {
  return !view.online || view.lastDataAt === undefined || now - view.lastDataAt > polls * pollPeriodMs;
}
