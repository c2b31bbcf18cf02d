import { describe, expect, it } from 'vitest';
import { loadRuleSet } from '../../alarms/config-schema.ts';
import { EXPECTED_ALARMS, expectedAlarms } from './expected-alarms.ts';
import { FAULT_KINDS } from './schema.ts';

describe('the expected-alarm table', () => {
  const ids = new Set(loadRuleSet('config/alarm-rules.yaml').map((d) => d.id));

  it('names, for every fault kind, alarms the default rule set defines', () => {
    for (const kind of FAULT_KINDS) for (const alarm of expectedAlarms(kind)) expect(ids, `${kind} → ${alarm}`).toContain(alarm);
    expect(Object.keys(EXPECTED_ALARMS).sort()).toEqual([...FAULT_KINDS].sort());
  });

  it('places network faults at the network and the rest at their substation', () => {
    expect(EXPECTED_ALARMS.cold_snap.scope).toBe('network');
    expect(EXPECTED_ALARMS.value_nan).toMatchObject({ scope: 'substation', alarms: ['sensor_fault'] });
    expect(expectedAlarms('opcua_session_drop')).toEqual([]);
  });
});
