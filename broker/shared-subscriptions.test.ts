import { describe, expect, it } from 'vitest';
import { parseShare } from './shared-subscriptions.ts';

describe('parseShare', () => {
  it('splits $share/<group>/<filter> and leaves other filters alone', () => {
    expect(parseShare('$share/historians/spBv1.0/city/DDATA/#')).toEqual({ group: 'historians', filter: 'spBv1.0/city/DDATA/#' });
    expect(parseShare('spBv1.0/city/DDATA/#')).toBeNull();
    expect(parseShare('$SYS/broker/uptime')).toBeNull();
  });

  it('refuses a share without group or filter, or with a wildcard in the group', () => {
    for (const bad of ['$share/', '$share/g', '$share/g/', '$share//x', '$share/g+/x', '$share/#/x']) {
      expect(() => parseShare(bad), bad).toThrow(/HS_ERR_BAD_REQUEST/);
    }
  });
});
