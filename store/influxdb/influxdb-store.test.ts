import { createTextDecoderCombiner, HttpError, type CommunicationObserver, type SendOptions, type Transport } from '@influxdata/influxdb-client';
import { describe, expect, it } from 'vitest';
import { describeTimeSeriesStoreContract } from '../contract.ts';
import { InfluxStore, openInfluxStore, type InfluxStoreOptions } from './influxdb-store.ts';

// The contract runs against a real InfluxDB 2.x when HEATSCADA_INFLUXDB_URL (and _TOKEN, _ORG,
// _BUCKET) name one; use a scratch bucket, the retention test deletes old points in it. The
// rest runs always, against a fake transport that answers like InfluxDB (no sockets).

const url = process.env.HEATSCADA_INFLUXDB_URL;
if (url) {
  const options: InfluxStoreOptions = {
    url,
    token: process.env.HEATSCADA_INFLUXDB_TOKEN,
    org: process.env.HEATSCADA_INFLUXDB_ORG ?? 'heatscada',
    bucket: process.env.HEATSCADA_INFLUXDB_BUCKET ?? 'heatscada-test',
  };
  describeTimeSeriesStoreContract(`influxdb at ${url}`, () => openInfluxStore(options));
} else {
  console.log('influxdb contract skipped: set HEATSCADA_INFLUXDB_URL (+ _TOKEN, _ORG, _BUCKET) to run it against a server');
  describe.skip('influxdb contract (skipped: set HEATSCADA_INFLUXDB_URL to run)', () => {
    it('needs an InfluxDB server', () => undefined);
  });
}

interface Sent {
  path: string;
  body: string;
  method: string;
}

/** Answers writes with 204 (or an error), queries with a canned annotated CSV. */
class FakeTransport implements Transport {
  readonly sent: Sent[] = [];
  readonly chunkCombiner = createTextDecoderCombiner();
  failWrites = 0;
  csv = '';

  send(path: string, body: string, options: SendOptions, callbacks?: Partial<CommunicationObserver<Uint8Array>>): void {
    this.sent.push({ path, body, method: options.method });
    queueMicrotask(() => {
      if (path.startsWith('/api/v2/write') && this.failWrites > 0) {
        this.failWrites--;
        callbacks?.error?.(new HttpError(500, 'Internal Server Error', '{"message":"disk full"}'));
        return;
      }
      const isQuery = path.startsWith('/api/v2/query');
      callbacks?.responseStarted?.({ 'content-type': isQuery ? 'text/csv' : 'application/json' }, isQuery ? 200 : 204);
      if (isQuery) callbacks?.next?.(new TextEncoder().encode(this.csv));
      callbacks?.complete?.();
    });
  }

  async request(path: string, body: unknown, options: SendOptions): Promise<unknown> {
    this.sent.push({ path, body: JSON.stringify(body), method: options.method });
    return undefined;
  }

  iterate(): AsyncIterableIterator<Uint8Array> {
    throw new Error('the store does not stream');
  }
}

const T = Date.UTC(2024, 0, 15);
const fake = (): { store: InfluxStore; transport: FakeTransport } => {
  const transport = new FakeTransport();
  return { transport, store: new InfluxStore({ url: 'http://influx.test:8086', org: 'city', bucket: 'scada', batchLines: 5000, transport }) };
};
const points = (n: number) => Array.from({ length: n }, (_, k) => ({ substation: 'north-1', tag: 'primary.flow', ts: T + k, value: k, quality: 'good' as const }));

describe('influxdb store over a fake transport', () => {
  it('sends a batch in requests of batchLines lines, ms precision, and resolves once all are accepted', async () => {
    const { store, transport } = fake();
    await store.write(points(12_000));
    const writes = transport.sent.filter((s) => s.path.startsWith('/api/v2/write'));
    expect(writes.map((w) => w.body.split('\n').length)).toEqual([5000, 5000, 2000]);
    expect(writes[0].path).toBe('/api/v2/write?org=city&bucket=scada&precision=ms');
    expect(writes[2].body.split('\n').at(-1)).toBe(`heatscada,substation=north-1,tag=primary.flow historical=F,quality=0i,value=11999 ${T + 11_999}`);
    await store.close();
  });

  it('sends nothing for a batch with an invalid point', async () => {
    const { store, transport } = fake();
    await expect(store.write([...points(3), { ...points(1)[0], value: Number.NaN }])).rejects.toMatchObject({ code: 'HS_ERR_STORE_POINT_INVALID', path: '/points/3/value' });
    expect(transport.sent).toEqual([]);
    await store.close();
  });

  it('rejects write() with the server answer when a request fails, and does not retry behind the caller', async () => {
    const { store, transport } = fake();
    transport.failWrites = 1;
    await expect(store.write(points(10))).rejects.toMatchObject({ code: 'HS_ERR_STORE_WRITE', message: expect.stringContaining('disk full') });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(transport.sent).toHaveLength(1);
    await store.write(points(10));
    expect(transport.sent).toHaveLength(2);
    await store.close();
  });

  it('concurrent writes each send their own lines', async () => {
    const { store, transport } = fake();
    await Promise.all([store.write(points(3)), store.write([{ substation: 's', tag: 't', ts: T, value: 1, quality: 'bad' }])]);
    expect(transport.sent.map((s) => s.body.split('\n').length)).toEqual([3, 1]);
    await store.close();
  });

  it('reads latest values through the client CSV parser', async () => {
    const { store, transport } = fake();
    transport.csv = [
      '#group,false,false,false,true,true,false,false,false',
      '#datatype,string,long,dateTime:RFC3339,string,string,double,long,boolean',
      '#default,_result,,,,,,,',
      ',result,table,_time,substation,tag,value,quality,historical',
      ',,0,2024-01-15T00:00:00Z,north-1,pump.running,1,0,false',
      '',
    ].join('\r\n');
    expect(await store.latest({ substations: ['north-1'] })).toEqual([{ substation: 'north-1', tag: 'pump.running', ts: T, value: true, quality: 'good', historical: false }]);
    const query = JSON.parse(transport.sent[0].body) as { query: string };
    expect(transport.sent[0].path).toBe('/api/v2/query?org=city');
    expect(query.query).toContain('r.substation == "north-1"');
    expect(await store.latest({ substations: [] })).toEqual([]);
    expect(transport.sent).toHaveLength(1);
    await store.close();
  });

  it('retention counts what it drops, then asks the delete API for everything before the cut-off', async () => {
    const { store, transport } = fake();
    transport.csv = '#group,false,false,false\r\n#datatype,string,long,long\r\n#default,_result,,\r\n,result,table,_value\r\n,,0,1234\r\n';
    expect(await store.applyRetention(T)).toBe(1234);
    const del = transport.sent[1];
    expect(del.path).toBe('/api/v2/delete?org=city&bucket=scada');
    expect(JSON.parse(del.body)).toEqual({ start: '1970-01-01T00:00:00Z', stop: '2024-01-14T23:59:59.999Z', predicate: '_measurement="heatscada"' });
    await store.close();
  });

  it('refuses work once closed, and an unreachable server at open', async () => {
    const { store } = fake();
    await store.close();
    await expect(store.write(points(1))).rejects.toMatchObject({ code: 'HS_ERR_STORE_CLOSED' });
    const down: Transport = Object.assign(new FakeTransport(), {
      request: async () => {
        throw new Error('connect ECONNREFUSED 127.0.0.1:8086');
      },
    });
    await expect(openInfluxStore({ url: 'http://127.0.0.1:8086', org: 'o', bucket: 'b', transport: down })).rejects.toMatchObject({
      code: 'HS_ERR_STORE_OPEN',
      message: expect.stringContaining('ECONNREFUSED'),
    });
  });
});
