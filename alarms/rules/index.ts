import type { RuleConfig } from '../config-schema.ts';
import { badQualityRule } from './bad-quality.ts';
import { baselineRule } from './baseline.ts';
import { clockRule } from './clock.ts';
import { commLossRule } from './comm-loss.ts';
import { complaintClusterRule } from './complaint-cluster.ts';
import { compositeRule } from './composite.ts';
import { controlStaleRule } from './control-stale.ts';
import { diskFullRule } from './disk-full.ts';
import { frozenRule } from './frozen.ts';
import { limitRule } from './limit.ts';
import { rateRule } from './rate.ts';
import type { Rule } from './rule.ts';
import { staleRule } from './stale.ts';

// One factory per rule kind; adding a kind is adding a file and a case here.
export function createRule(config: RuleConfig): Rule {
  switch (config.kind) {
    case 'limit': return limitRule(config);
    case 'rate': return rateRule(config);
    case 'baseline': return baselineRule(config);
    case 'stale': return staleRule(config);
    case 'frozen': return frozenRule(config);
    case 'comm-loss': return commLossRule(config);
    case 'composite': return compositeRule(config);
    case 'control-stale': return controlStaleRule(config);
    case 'complaint-cluster': return complaintClusterRule(config);
    case 'bad-quality': return badQualityRule(config);
    case 'clock': return clockRule(config);
    case 'disk-full': return diskFullRule(config);
  }
}
