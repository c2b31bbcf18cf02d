import { describe, expect, it } from 'vitest';
import { heatingWithDefaults } from './heating.ts';

describe('heatingWithDefaults', () => {
  const simulated = [
    { id: 'S001', heating: 'radiator' as const },
    { id: 'S002', heating: 'floor' as const },
    { id: 'S003', heating: 'floor' as const },
  ];

  it('takes each substation’s emitters from the network where the configuration names none', () => {
    expect(heatingWithDefaults({}, simulated)).toEqual({ S001: 'radiator', S002: 'floor', S003: 'floor' });
  });

  it('keeps what the configuration maps, for simulated substations and others', () => {
    expect(heatingWithDefaults({ S003: 'radiator', S001: 'floor', X9: 'floor' }, simulated)).toEqual({ S001: 'floor', S002: 'floor', S003: 'radiator', X9: 'floor' });
  });
});
