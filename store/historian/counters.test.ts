import { describe, expect, it } from 'vitest';
import { captureLog } from '../../tests/helpers/capture-log.ts';
import { MalformedCounters } from './counters.ts';

describe('MalformedCounters', () => {
  it('counts every occurrence but logs one line per code and second, with the code', () => {
    const { log, lines } = captureLog();
    const counters = new MalformedCounters(log);
    for (let i = 0; i < 100; i++) counters.count('HS_ERR_SPARKPLUG_ALIAS', 2, { edge: 'e1' });
    counters.count('HS_ERR_SPARKPLUG_TYPE', 1, { edge: 'e1', tag: 'primary.flow' });
    expect(counters.get('HS_ERR_SPARKPLUG_ALIAS')).toBe(200);
    expect(counters.snapshot()).toEqual({ HS_ERR_SPARKPLUG_ALIAS: 200, HS_ERR_SPARKPLUG_TYPE: 1 });
    expect(lines.map((l) => l.code)).toEqual(['HS_ERR_SPARKPLUG_ALIAS', 'HS_ERR_SPARKPLUG_TYPE']);
    expect(lines[1]).toMatchObject({ count: 1, edge: 'e1', tag: 'primary.flow', level: 40 });
  });
});
