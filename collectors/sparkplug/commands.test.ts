import { describe, expect, it } from 'vitest';
import type { PlcWriteOutcome } from '../../model/command.ts';
import type { Driver } from '../../model/driver.ts';
import { aliasFor, type Metric } from '../../model/sparkplug.ts';
import { TAG_NAMES } from '../../model/tags.ts';
import { captureLog } from '../../tests/helpers/capture-log.ts';
import { checkCommand, CommandRunner, WriteRateLimiter } from './commands.ts';
import { DeviceMetrics } from './metrics.ts';

const device = new DeviceMetrics('S001', 0, TAG_NAMES);
const cmd = (m: Partial<Metric>, requestId = 'r1', actor = 'control'): Metric => ({
  datatype: 'Double',
  value: 50,
  ...m,
  properties: { requestId: { type: 'String', value: requestId }, actor: { type: 'String', value: actor } },
});
const limiter = () => new WriteRateLimiter(() => 2000);
const codeOf = (m: Metric, l = limiter(), now = 0) => {
  const c = checkCommand(m, device, l, now);
  return c.ok ? 'ok' : c.outcome.code;
};

describe('checkCommand', () => {
  it('accepts a writable tag in range, by name or by alias', () => {
    expect(codeOf(cmd({ name: 'secondary.supply_temp_setpoint', value: 55 }))).toBe('ok');
    expect(codeOf(cmd({ alias: aliasFor(0, 27), value: 55 }))).toBe('ok');
  });
  it('refuses what the catalogue forbids', () => {
    expect(codeOf(cmd({ name: 'secondary.supply_temp_setpoint', value: 80 }))).toBe('HS_ERR_OUT_OF_RANGE');
    expect(codeOf(cmd({ name: 'primary.valve_setpoint', value: 2 }))).toBe('HS_ERR_OUT_OF_RANGE');
    expect(codeOf(cmd({ name: 'control.mode_setpoint', value: 1.5 }))).toBe('HS_ERR_OUT_OF_RANGE');
    expect(codeOf(cmd({ name: 'primary.supply_temp', value: 80 }))).toBe('HS_ERR_NOT_WRITABLE');
    expect(codeOf(cmd({ name: 'no.such_tag' }))).toBe('HS_ERR_UNKNOWN_TAG');
    expect(codeOf(cmd({ alias: aliasFor(5, 27) }))).toBe('HS_ERR_UNKNOWN_TAG');
    expect(codeOf(cmd({ name: 'pump.frequency_setpoint', datatype: 'Boolean', value: true }))).toBe('HS_ERR_WRONG_TYPE');
  });
  it('refuses a command that does not say who asks and which request it is', () => {
    expect(codeOf(cmd({ name: 'pump.frequency_setpoint' }, ''))).toBe('HS_ERR_BAD_REQUEST');
    const anonymous = checkCommand({ name: 'pump.frequency_setpoint', datatype: 'Double', value: 40 }, device, limiter(), 0);
    expect(anonymous).toMatchObject({ ok: false, outcome: { requestId: '', code: 'HS_ERR_BAD_REQUEST' } });
  });
  it('refuses a second write of the same tag within the minimum interval, not of another tag', () => {
    const l = limiter();
    l.record('S001', 'pump.frequency_setpoint', 10_000);
    expect(codeOf(cmd({ name: 'pump.frequency_setpoint' }), l, 11_000)).toBe('HS_ERR_COMMAND_RATE');
    expect(codeOf(cmd({ name: 'secondary.supply_temp_setpoint' }), l, 11_000)).toBe('ok');
    expect(codeOf(cmd({ name: 'pump.frequency_setpoint' }), l, 12_000)).toBe('ok');
  });
});

class FakeDriver {
  readonly writes: [string, number][] = [];
  constructor(private readonly outcome: (value: number) => PlcWriteOutcome) {}
  async write(tag: string, value: number): Promise<PlcWriteOutcome> {
    this.writes.push([tag, value]);
    return this.outcome(value);
  }
}

describe('CommandRunner', () => {
  const setup = (outcome: (v: number) => PlcWriteOutcome = (v) => ({ ok: true, readBack: v })) => {
    const { log, lines } = captureLog();
    let now = 100_000;
    const runner = new CommandRunner(() => 2000, log, undefined, () => now);
    const driver = new FakeDriver(outcome);
    const run = (m: Metric) => runner.run(device, driver as unknown as Driver, m, () => 40);
    return { runner, driver, lines, run, tick: (ms: number) => (now += ms) };
  };

  it('writes an accepted command, reads back, acknowledges ok and logs request, actor, old and new value', async () => {
    const { runner, driver, lines, run } = setup((v) => ({ ok: true, readBack: v - 0.1 }));
    const result = await run(cmd({ name: 'pump.frequency_setpoint', value: 45 }, 'req-7', 'api:alice'));
    expect(driver.writes).toEqual([['pump.frequency_setpoint', 45]]);
    expect(result.outcome).toEqual({ requestId: 'req-7', tag: 'pump.frequency_setpoint', ok: true, value: 44.9, actor: 'api:alice' });
    expect(result.readBack).toMatchObject({ substation: 'S001', tag: 'pump.frequency_setpoint', value: 44.9, quality: 'good' });
    expect(lines.find((l) => l.event === 'command')).toMatchObject({ request_id: 'req-7', actor: 'api:alice', old_value: 40, new_value: 45, outcome: 'ok', read_back: 44.9 });
    expect(runner.stats).toEqual({ accepted: 1, refused: 0 });
  });

  it('a refused command never reaches the driver', async () => {
    const { runner, driver, lines, run } = setup();
    const result = await run(cmd({ name: 'secondary.supply_temp_setpoint', value: 90 }));
    expect(result.outcome).toMatchObject({ ok: false, code: 'HS_ERR_OUT_OF_RANGE' });
    expect(result.readBack).toBeUndefined();
    expect(driver.writes).toEqual([]);
    expect(lines.find((l) => l.event === 'command')).toMatchObject({ outcome: 'refused', code: 'HS_ERR_OUT_OF_RANGE', new_value: 90 });
    expect(runner.stats).toEqual({ accepted: 0, refused: 1 });
  });

  it('a write the PLC refuses is acknowledged with the PLC reason', async () => {
    const { run } = setup(() => ({ ok: false, code: 'HS_ERR_PLC_MODE', reason: 'local mode' }));
    const result = await run(cmd({ name: 'primary.valve_setpoint', value: 50 }));
    expect(result.outcome).toMatchObject({ ok: false, code: 'HS_ERR_PLC_MODE', reason: 'local mode' });
  });

  it('commands to one device run in order; the rate limit counts from the previous write', async () => {
    const { driver, run, tick } = setup();
    const [a, b] = await Promise.all([run(cmd({ name: 'pump.frequency_setpoint', value: 40 })), run(cmd({ name: 'pump.frequency_setpoint', value: 41 }))]);
    expect(a.outcome.ok).toBe(true);
    expect(b.outcome).toMatchObject({ ok: false, code: 'HS_ERR_COMMAND_RATE' });
    tick(2000);
    expect((await run(cmd({ name: 'pump.frequency_setpoint', value: 42 }))).outcome.ok).toBe(true);
    expect(driver.writes.map(([, v]) => v)).toEqual([40, 42]);
  });
});
