import { TAG_NAMES } from '../../model/tags.ts';
import type { View } from '../view.ts';
import type { RuleFactory } from './rule.ts';

// Bad quality: a tag the collector marked bad while the substation reports (a NaN, a value outside
// its physical range, a bad OPC UA status, a Modbus exception or half answer: the sensor or the
// PLC's input failed, not the link). A silent substation is the comm-loss rule's: the engine does
// not evaluate value rules for it. Holds while any watched tag stands bad.

export const badQualityRule: RuleFactory<'bad-quality'> = (cfg) => {
  const watched = cfg.tags ?? TAG_NAMES;
  const firstBad = (view: View) => watched.find((tag) => view.tag(tag)?.quality === 'bad');
  return {
    aboutLink: false,
    evaluate: ({ view }) => firstBad(view) !== undefined,
    explain(view) {
      const tag = firstBad(view) ?? watched[0];
      return { tag, value: view.tag(tag)?.value };
    },
  };
};
