import { linesToTables, stringToLines } from '@influxdata/influxdb-client';
import { describe, expect, it } from 'vitest';
import { isHeatScadaError } from '../../model/errors.ts';
import type { StoredPoint } from '../../model/store.ts';
import {
  checkInfluxBatch,
  countBeforeFlux,
  countFlux,
  deleteBody,
  latestFlux,
  parseCount,
  parseLatestRow,
  parseRangeRows,
  parseStatusRow,
  pointLine,
  rangeFlux,
  statusLine,
  statusesFlux,
  type FluxRow,
} from './flux.ts';

const T = Date.UTC(2024, 0, 15);
const A = { substation: 'north-1', tag: 'primary.supply_temp' };

/** Annotated CSV as InfluxDB answers a query, parsed by the client's own CSV reader. */
function rowsOf(csv: string): FluxRow[] {
  const rows: FluxRow[] = [];
  stringToLines(
    csv.trim(),
    linesToTables({
      next: (values, meta) => void rows.push(meta.toObject(values)),
      error: (e) => {
        throw e;
      },
      complete: () => undefined,
    }),
  );
  return rows;
}

describe('line protocol', () => {
  it('writes value as a float, quality as an integer, historical as a boolean, time in ms', () => {
    const p: StoredPoint = { ...A, ts: T + 1, value: 71.5, quality: 'uncertain', historical: true };
    expect(pointLine(p)).toBe(`heatscada,substation=north-1,tag=primary.supply_temp historical=T,quality=1i,value=71.5 ${T + 1}`);
    // Integral values and booleans stay floats, so the field never changes type.
    expect(pointLine({ ...A, ts: T, value: 2, quality: 'good' })).toBe(`heatscada,substation=north-1,tag=primary.supply_temp historical=F,quality=0i,value=2 ${T}`);
    expect(pointLine({ substation: 'n', tag: 'pump.running', ts: T, value: true, quality: 'bad' })).toContain('quality=2i,value=1 ');
  });

  it('escapes tag values', () => {
    expect(pointLine({ substation: 'Nord Ost,1=a', tag: 't', ts: T, value: 1, quality: 'good' })).toMatch(/^heatscada,substation=Nord\\ Ost\\,1\\=a,tag=t /);
  });

  it('writes statuses to their own measurement', () => {
    expect(statusLine({ substation: 'north-1', online: false, ts: T })).toBe(`heatscada_status,substation=north-1 online=F ${T}`);
  });

  it('refuses what InfluxDB cannot hold, naming the point', () => {
    const bad = (patch: Partial<StoredPoint>) => {
      try {
        checkInfluxBatch([{ ...A, ts: T, value: 1, quality: 'good' }, { ...A, ts: T, value: 1, quality: 'good', ...patch }]);
      } catch (e) {
        return isHeatScadaError(e) ? [e.code, e.path] : e;
      }
      return 'accepted';
    };
    expect(bad({ substation: 'ends\\' })).toEqual(['HS_ERR_STORE_POINT_INVALID', '/points/1/substation']);
    expect(bad({ ts: 9_300_000_000_000 })).toEqual(['HS_ERR_STORE_POINT_INVALID', '/points/1/ts']);
    expect(bad({})).toBe('accepted');
  });
});

describe('Flux text', () => {
  it('latest: last value, quality and historical of each matching series, over all time', () => {
    const flux = latestFlux('scada', { substations: ['north-1', 'n"2'], tags: ['primary.flow'] });
    expect(flux).toContain('from(bucket: "scada")');
    expect(flux).toContain('range(start: 1970-01-01T00:00:00Z, stop: 2262-04-11T23:47:16.854Z)');
    expect(flux).toContain('r._measurement == "heatscada" and (r.substation == "north-1" or r.substation == "n\\"2") and (r.tag == "primary.flow")');
    expect(flux).toContain('|> last()');
    expect(flux).toContain('pivot(rowKey: ["_time"], columnKey: ["_field"], valueColumn: "_value")');
    expect(latestFlux('scada', {})).toContain('r._measurement == "heatscada")');
  });

  it('raw range: [from, to) of the listed series, fields pivoted', () => {
    const flux = rangeFlux('scada', { series: [A, A, { substation: 's', tag: 't' }], from: T, to: T + 60_000 });
    expect(flux).toContain('range(start: 2024-01-15T00:00:00.000Z, stop: 2024-01-15T00:01:00.000Z)');
    // Duplicates in the query are asked for once.
    expect(flux).toContain('((r.substation == "north-1" and r.tag == "primary.supply_temp") or (r.substation == "s" and r.tag == "t"))');
    expect(flux).not.toContain('aggregateWindow');
  });

  it('bucketed range: the aggregate on value, the worst quality per window, windows labelled by start', () => {
    const flux = rangeFlux('scada', { series: [A], from: T, to: T + 86_400_000, stepMs: 3_600_000, agg: 'last' });
    expect(flux).toContain('aggregateWindow(every: 3600000ms, fn: last, createEmpty: false, timeSrc: "_start")');
    expect(flux).toContain('aggregateWindow(every: 3600000ms, fn: max, createEmpty: false, timeSrc: "_start")');
    expect(flux).toContain('union(tables: [values, qualities])');
    expect(rangeFlux('scada', { series: [A], from: T, to: T + 1, stepMs: 1000 })).toContain('fn: mean');
  });

  it('count, statuses and the retention count and delete', () => {
    expect(countFlux('scada', A, T, T + 1000)).toMatch(/r\.substation == "north-1" and r\.tag == "primary\.supply_temp"\)\) and r\._field == "value"\)\s+\|> count\(\)/);
    expect(statusesFlux('scada')).toContain('r._measurement == "heatscada_status" and r._field == "online"');
    expect(countBeforeFlux('scada', T)).toContain('range(start: 1970-01-01T00:00:00Z, stop: 2024-01-15T00:00:00.000Z)');
    expect(deleteBody(T)).toEqual({ start: '1970-01-01T00:00:00Z', stop: '2024-01-14T23:59:59.999Z', predicate: '_measurement="heatscada"' });
  });
});

describe('result rows', () => {
  it('latest rows: booleans back for boolean tags, numbers otherwise', () => {
    const rows = rowsOf(`
#group,false,false,false,true,true,false,false,false
#datatype,string,long,dateTime:RFC3339,string,string,double,long,boolean
#default,_result,,,,,,,
,result,table,_time,substation,tag,value,quality,historical
,,0,2024-01-15T00:00:01Z,north-1,primary.supply_temp,91.5,1,true
,,1,2024-01-15T00:00:02.5Z,north-1,pump.running,0,0,false
`);
    expect(rows.map(parseLatestRow)).toEqual([
      { ...A, ts: T + 1000, value: 91.5, quality: 'uncertain', historical: true },
      { substation: 'north-1', tag: 'pump.running', ts: T + 2500, value: false, quality: 'good', historical: false },
    ]);
  });

  it('range rows: grouped into the query series in order, bucket times floored to the step', () => {
    const rows = rowsOf(`
#group,false,false,false,true,true,false,false
#datatype,string,long,dateTime:RFC3339,string,string,double,long
#default,_result,,,,,,
,result,table,_time,substation,tag,value,quality
,,0,2024-01-15T00:00:07Z,north-1,primary.supply_temp,70.25,0
,,0,2024-01-15T01:00:00Z,north-1,primary.supply_temp,71,2
,,1,2024-01-15T00:00:07Z,north-1,primary.return_temp,40,0
`);
    const B = { substation: 'north-1', tag: 'primary.return_temp' };
    const query = { series: [B, A, { substation: 'x', tag: 'y' }], from: T + 7000, to: T + 7_200_000, stepMs: 3_600_000 };
    expect(parseRangeRows(rows, query)).toEqual([
      { ...B, points: [{ ts: T, value: 40, quality: 'good' }] },
      {
        ...A,
        points: [
          { ts: T, value: 70.25, quality: 'good' },
          { ts: T + 3_600_000, value: 71, quality: 'bad' },
        ],
      },
      { substation: 'x', tag: 'y', points: [] },
    ]);
    // Raw ranges keep the points' own times.
    expect(parseRangeRows(rows, { ...query, stepMs: undefined })[1].points[0].ts).toBe(T + 7000);
  });

  it('status and count rows', () => {
    const statuses = rowsOf(`
#group,false,false,false,true,false
#datatype,string,long,dateTime:RFC3339,string,boolean
#default,_result,,,,
,result,table,_time,substation,_value
,,0,2024-01-15T00:00:00Z,north-1,true
`);
    expect(statuses.map(parseStatusRow)).toEqual([{ substation: 'north-1', online: true, ts: T }]);
    const count = rowsOf(`
#group,false,false,false
#datatype,string,long,long
#default,_result,,
,result,table,_value
,,0,42
`);
    expect(parseCount(count)).toBe(42);
    expect(parseCount([])).toBe(0);
  });

  it('says which column is wrong when a row has an unexpected shape', () => {
    expect(() => parseLatestRow({ _time: '2024-01-15T00:00:00Z', substation: 'a', tag: 'b', value: 'NaN?', quality: 0, historical: false })).toThrow(
      /HS_ERR_STORE_READ.*column value should be a number/,
    );
    expect(() => parseStatusRow({ _time: 'yesterday', substation: 'a', _value: true })).toThrow(/HS_ERR_STORE_READ/);
  });
});
