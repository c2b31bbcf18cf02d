import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Metric, MetricProperty } from '../../model/sparkplug.ts';
import { TAG_NAMES } from '../../model/tags.ts';
import { checkCommand, WriteRateLimiter } from './commands.ts';
import { EpochFence } from './epoch-fence.ts';
import { DeviceMetrics } from './metrics.ts';

const device = new DeviceMetrics('S001', 0, TAG_NAMES);
const command = (props: Record<string, MetricProperty>): Metric => ({
  name: 'secondary.supply_temp_setpoint',
  datatype: 'Double',
  value: 55,
  properties: { requestId: { type: 'String', value: 'r1' }, actor: { type: 'String', value: 'control' }, ...props },
});
const epoch = (value: number): Record<string, MetricProperty> => ({ epoch: { type: 'UInt64', value } });

describe('epoch fence', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'heatscada-fence-'));
    file = path.join(dir, 'sparkplug', 'g-e.epochs.json');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('admits the same or a newer epoch per source, refuses an older one with the highest seen', () => {
    const fence = new EpochFence(file);
    expect(fence.admit('control', 5)).toEqual({ ok: true });
    expect(fence.admit('control', 5)).toEqual({ ok: true });
    expect(fence.admit('control', 7)).toEqual({ ok: true });
    expect(fence.admit('control', 6)).toEqual({ ok: false, highest: 7 });
    // Another source counts its own epochs.
    expect(fence.admit('season', 1)).toEqual({ ok: true });
  });

  it('keeps the highest epochs across a restart (the file), and says so when the file is unreadable', () => {
    new EpochFence(file).admit('control', 9);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ control: 9 });
    expect(new EpochFence(file).admit('control', 8)).toEqual({ ok: false, highest: 9 });
    writeFileSync(file, '{"control": "nine"}');
    const problems: string[] = [];
    const forgetful = new EpochFence(file, (problem) => problems.push(problem));
    expect(problems).toEqual(['unreadable']);
    expect(forgetful.highestOf('control')).toBeUndefined();
  });

  it('a command of an older epoch is refused by checkCommand with HS_ERR_STALE_EPOCH and its reason; one without an epoch is not judged', () => {
    const fence = new EpochFence(file);
    const limiter = new WriteRateLimiter(() => 0);
    expect(checkCommand(command(epoch(12)), device, limiter, 0, fence).ok).toBe(true);
    const stale = checkCommand(command(epoch(11)), device, limiter, 0, fence);
    expect(stale).toMatchObject({ ok: false, outcome: { code: 'HS_ERR_STALE_EPOCH', actor: 'control' } });
    expect(!stale.ok && stale.outcome.reason).toBe('epoch 11 of control is older than epoch 12, which a newer leader has used: the sender was deposed');
    expect(checkCommand(command({}), device, limiter, 0, fence).ok).toBe(true);
    // The broker's stamped kind is the source when present: two principals of one pair share it.
    const otherPrincipal = command({ ...epoch(11), actor: { type: 'String', value: 'control-b' }, actorKind: { type: 'String', value: 'control' } });
    expect(checkCommand(otherPrincipal, device, limiter, 0, fence)).toMatchObject({ ok: false, outcome: { code: 'HS_ERR_STALE_EPOCH' } });
    expect(checkCommand(command({ epoch: { type: 'Double', value: 1.5 } }), device, limiter, 0, fence)).toMatchObject({ ok: false, outcome: { code: 'HS_ERR_BAD_REQUEST' } });
  });
});
