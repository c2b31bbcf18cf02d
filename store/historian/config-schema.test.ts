import { describe, expect, it } from 'vitest';
import { validateDocument } from '../../model/validate.ts';
import { HistorianConfigSchema, historianOptions } from './config-schema.ts';

describe('historian config section', () => {
  it('fills defaults and maps to the options of startHistorian', () => {
    const config = validateDocument(HistorianConfigSchema, { shared: 'historians' }, 'HS_ERR_CONFIG_INVALID');
    expect(historianOptions(config)).toEqual({
      mqttUrl: 'mqtt://127.0.0.1:1883',
      hostId: 'heatscada-historian',
      batchMaxPoints: 5000,
      batchMaxMs: 200,
      holdMaxPoints: 500_000,
      slowBatchMs: 2000,
      retry: { firstMs: 250, maxMs: 5000, minFreeBytes: 16 * 1024 * 1024 },
      shared: 'historians',
    });
  });

  it('names the bad field', () => {
    expect(() => validateDocument(HistorianConfigSchema, { host_id: 'a/b' }, 'HS_ERR_CONFIG_INVALID')).toThrow(/at \/host_id/);
    expect(() => validateDocument(HistorianConfigSchema, { batch_max_point: 10 }, 'HS_ERR_CONFIG_INVALID')).toThrow(/at \/batch_max_point/);
  });
});
