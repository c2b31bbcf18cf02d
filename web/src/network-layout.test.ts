import { describe, expect, it } from 'vitest';
import type { Topology } from './api.ts';
import { layoutNetwork } from './network-layout.ts';

// A source, a main of two junctions (the second without a place: a company file may leave it
// out), three substations on it and one the data named that has neither place nor parent.
const topology: Topology = {
  name: 'test',
  source: { id: 'SRC', location: { lat: 41.8, lon: 123.4 } },
  junctions: [
    { id: 'J1', parent: 'SRC', diameter_mm: 500, location: { lat: 41.8, lon: 123.412 } },
    { id: 'J2', parent: 'J1', diameter_mm: 300 },
  ],
  substations: [
    { id: 'S1', parent: 'J1', location: { lat: 41.801, lon: 123.412 }, name: '实验中学换热站', name_en: 'Shiyan Middle School Substation', initials: 'syzxhrz' },
    { id: 'S2', parent: 'J2', location: { lat: 41.8, lon: 123.424 }, name: '阳光花园一期换热站', initials: 'yghyyqhrz' },
    { id: 'S3', parent: 'J2', location: { lat: 41.802, lon: 123.424 } },
    { id: 'S9' },
  ],
};

describe('layoutNetwork', () => {
  const scene = layoutNetwork(topology);
  const at = (id: string) => ({ x: scene.x[scene.index.get(id)!], y: scene.y[scene.index.get(id)!] });

  it('puts the source at the origin, east to the right and north up, in metres', () => {
    expect(scene.source).toMatchObject({ id: 'SRC' });
    expect(Math.abs(scene.source!.x) + Math.abs(scene.source!.y)).toBe(0);
    expect(at('S1').x).toBeCloseTo(1000, -1);
    expect(at('S1').y).toBeCloseTo(-110.5, 0);
  });

  it('puts a junction without a place among its children, and draws the main to it', () => {
    const j2 = scene.mains.find((m) => m.diameterMm === 300)!;
    expect(j2.x2).toBeCloseTo((at('S2').x + at('S3').x) / 2, 6);
    expect(j2.y2).toBeCloseTo((at('S2').y + at('S3').y) / 2, 6);
    expect(scene.px[scene.index.get('S2')!]).toBe(j2.x2);
    // The main to J1 feeds everything on the tree.
    const j1 = scene.mains.find((m) => m.diameterMm === 500)!;
    expect([...j1.downstream].map((i) => scene.ids[i]).sort()).toEqual(['S1', 'S2', 'S3']);
    expect([...j2.downstream].map((i) => scene.ids[i]).sort()).toEqual(['S2', 'S3']);
  });

  it('lines up a substation without place or parent under the city, without a service pipe', () => {
    const i = scene.index.get('S9')!;
    expect(scene.y[i]).toBeGreaterThan(Math.max(at('S1').y, at('S2').y, at('S3').y));
    expect(scene.px[i]).toBeNaN();
    expect(scene.bounds.maxY).toBe(scene.y[i]);
  });
});
