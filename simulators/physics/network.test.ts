import { describe, expect, it } from 'vitest';
import { generateCity } from '../network/generate.ts';
import type { Network } from '../network/schema.ts';
import { compileNetwork } from './compile.ts';
import { radiatorOutput } from './radiator.ts';
import { solveHydraulics, substationResistance } from './hydraulics.ts';
import { Plant } from '../plant.ts';
import { ControlMode } from '../../model/tags.ts';

const START = Date.UTC(2026, 0, 15, 0);

function solve(spec: Network, opening: number) {
  const net = compileNetwork(spec);
  const out = { nodeFlowM3s: new Float64Array(net.nodeCount), nodeSupplyPa: new Float64Array(net.nodeCount), nodeReturnPa: new Float64Array(net.nodeCount) };
  const valve = new Float64Array(net.n).fill(opening);
  solveHydraulics(net, valve, out);
  return { net, out, valve };
}

/** A city whose weather holds still, so the plant can reach a true steady state. */
function calmCity(substations: number, seed: number): Network {
  const spec = generateCity({ substations, seed });
  spec.weather.daily_swing_k = 0;
  return spec;
}

describe('hydraulics', () => {
  it('splits flow as Q_i ∝ S_i^−½ on a pure parallel case', () => {
    const spec = generateCity({ substations: 5, seed: 2 });
    spec.junctions = [];
    spec.substations.forEach((s, k) => {
      s.parent = spec.source.id;
      s.valve_kvs = 20 * (k + 1);
    });
    const { net, out, valve } = solve(spec, 0.8);
    const edgeS = net.ids.map((_, i) => net.pipeS[net.subNode[i]] + substationResistance(net, i, valve[i]));
    const q = net.ids.map((_, i) => out.nodeFlowM3s[net.subNode[i]]);
    for (let i = 1; i < net.n; i++) {
      expect(q[i] / q[0]).toBeCloseTo(Math.sqrt(edgeS[0] / edgeS[i]), 9);
    }
    // The total meets the pump curve Δp = H₀ − a·Q².
    const total = q.reduce((a, b) => a + b, 0);
    expect(total).toBeCloseTo(out.nodeFlowM3s[0], 12);
    const dp = out.nodeSupplyPa[0] - out.nodeReturnPa[0];
    expect(dp).toBeCloseTo(net.source.h0 - net.source.a * total * total, 3);
  });

  it('gives a near substation more flow than a far one at equal opening, and conserves flow', () => {
    const spec = generateCity({ substations: 40, seed: 9 });
    const { net, out } = solve(spec, 0.7);
    const ratio = (i: number): number => {
      const s = spec.substations[i];
      const need = s.buildings.reduce((a, b) => a + b.floor_area_m2 * b.heat_index_w_m2, 0) / (975 * 4190 * (s.design.primary_supply_c - s.design.primary_return_c));
      return out.nodeFlowM3s[net.subNode[i]] / need;
    };
    // Substation ids grow with distance from the source (the generator stratifies distances).
    const near = [0, 1, 2].map(ratio);
    const far = [37, 38, 39].map(ratio);
    expect(Math.min(...near)).toBeGreaterThan(1.1);
    expect(Math.max(...far)).toBeLessThan(0.9);
    // Every junction passes on exactly what it receives.
    const childFlow = new Float64Array(net.nodeCount);
    for (let k = 1; k < net.nodeCount; k++) childFlow[net.parent[k]] += out.nodeFlowM3s[k];
    for (let k = 0; k < net.nodeCount; k++) {
      if (net.nodeSubstation[k] < 0 && childFlow[k] > 0) expect(childFlow[k]).toBeCloseTo(out.nodeFlowM3s[k], 9);
    }
  });

  it('couples substations: opening one valve takes flow from the others', () => {
    const spec = generateCity({ substations: 10, seed: 4 });
    const before = solve(spec, 0.5);
    const opened = before.valve.slice();
    opened[0] = 1;
    const after = { nodeFlowM3s: new Float64Array(before.net.nodeCount), nodeSupplyPa: new Float64Array(before.net.nodeCount), nodeReturnPa: new Float64Array(before.net.nodeCount) };
    solveHydraulics(before.net, opened, after);
    const flowOf = (o: typeof after, i: number): number => o.nodeFlowM3s[before.net.subNode[i]];
    expect(flowOf(after, 0)).toBeGreaterThan(flowOf(before.out, 0));
    for (let i = 1; i < 10; i++) expect(flowOf(after, i)).toBeLessThan(flowOf(before.out, i));
  });
});

describe('steady state', () => {
  it('closes the energy balance to 1 %: source heat = substations + pipe losses', () => {
    const plant = new Plant(calmCity(6, 3), { startMs: START, stepS: 5 });
    plant.advance(8 * 3600);
    const s = plant.state;
    const substations = s.heatW.reduce((a, b) => a + b, 0);
    const balance = substations + s.supplyLossW + s.returnLossW;
    expect(Math.abs(s.sourceHeatW - balance) / s.sourceHeatW).toBeLessThan(0.01);
    // And the secondary side gives off what the exchangers pass.
    const radiators = s.qRad.reduce((a, b) => a + b, 0);
    expect(Math.abs(radiators - substations) / substations).toBeLessThan(0.01);
    // Losses are a plausible share, 0.5–2 K per km of network.
    expect((s.supplyLossW + s.returnLossW) / s.sourceHeatW).toBeGreaterThan(0.01);
    expect((s.supplyLossW + s.returnLossW) / s.sourceHeatW).toBeLessThan(0.2);
  });

  it('settles each building where its heat balance says', () => {
    const plant = new Plant(calmCity(3, 5), { startMs: START, stepS: 60, mode: ControlMode.manual, valvePct: 80, warmUpS: 3600 });
    plant.advance(500 * 3600);
    const { net, state: s } = plant;
    for (let i = 0; i < net.n; i++) {
      for (let b = net.firstBuilding[i]; b < net.firstBuilding[i + 1]; b++) {
        // Solve the balance on its own: the indoor temperature at which radiators + gains = losses.
        const c = s.flow2M3s[i] * 975 * 4190 * net.bFlowShare[b];
        const surplus = (t: number): number => radiatorOutput(net.bRadiator[b], c, s.t2s[i], t) + net.bGainsW[b] - net.bUA[b] * (t - s.outdoorC);
        let lo = s.outdoorC;
        let hi = s.t2s[i];
        for (let k = 0; k < 60; k++) {
          const mid = (lo + hi) / 2;
          if (surplus(mid) > 0) lo = mid;
          else hi = mid;
        }
        expect(s.tIn[b]).toBeCloseTo(lo, 1);
      }
    }
  });

  it('keeps the secondary below the primary and indoor near design on a design-like day', () => {
    const plant = new Plant(calmCity(8, 6), { startMs: START, stepS: 5 });
    plant.advance(6 * 3600);
    for (const id of plant.substationIds) {
      expect(plant.read(id, 'secondary.supply_temp')).toBeLessThan(plant.read(id, 'primary.supply_temp') as number);
      expect(plant.read(id, 'primary.return_temp')).toBeGreaterThan(plant.read(id, 'secondary.return_temp') as number);
      const indoor = plant.read(id, 'indoor.temp_avg') as number;
      expect(indoor).toBeGreaterThan(14);
      expect(indoor).toBeLessThan(26);
    }
  });
});
