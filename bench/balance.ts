// bench:balance — a generated city (default generator, its imbalance) for 72 simulated hours
// from a mid-winter day, with a cold snap down to the design outdoor temperature in the middle,
// run three times after the same 5-day run-in under each policy: (a) valves fixed at equal
// openings, (b) common practice: equal valves and the source supply raised until the coldest
// building reaches 18 °C, (c) HeatSCADA's controller (the same Controller class as
// `heatscada control`, through an adapter that reads the PLCs' instruments and hands its writes —
// substation setpoints and the heat source's offset — to the same PLC logic the OPC UA and
// Modbus servers call; nothing is applied to the plant from outside). Physics
// step 10 s. Figures over the last 24 h; heat is what the source delivers (substations and pipe
// losses). Last line JSON for (c) against (b).

import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { MemoryAudit } from '../control/audit.ts';
import { ControlConfigSchema } from '../control/config-schema.ts';
import { Controller } from '../control/controller.ts';
import { returnTargetC } from '../control/curve.ts';
import { plantActuator, plantInputs } from '../control/plant-adapter.ts';
import { validateDocument } from '../model/validate.ts';
import { ControlMode } from '../model/tags.ts';
import { EQUAL_OPENING, generateCity } from '../simulators/network/generate.ts';
import { Plant } from '../simulators/plant.ts';
import { outdoorTemperature } from '../simulators/physics/weather.ts';
import { CP, RHO } from '../simulators/physics/water.ts';
import { progress } from './progress.ts';

const { values } = parseArgs({ options: { substations: { type: 'string', default: '60' }, seed: { type: 'string', default: '1' }, step: { type: 'string', default: '10' } } });
const N = Number(values.substations);
const STEP_S = Number(values.step);
const RUN_IN_H = 120;
const HOURS = 72;
const SAMPLE_S = 600;
const CONTROL_S = 300;
const START = Date.parse('2027-01-15T00:00:00+08:00');

type Policy = 'equal' | 'hot-source' | 'heatscada';
interface Series {
  t: number[];
  outdoor: number[];
  minIndoor: number[];
  maxIndoor: number[];
  heatMW: number[];
  sourceC: number[];
}
interface Figures {
  spread_k: number;
  flow_ratio_min: number;
  flow_ratio_max: number;
  pct_hours_ge_18: number;
  max_indoor_c: number;
  heat_gj: number;
}

const round = (x: number, d = 2) => Number(x.toFixed(d));

async function run(policy: Policy): Promise<{ figures: Figures; series: Series }> {
  const spec = generateCity({ substations: N, seed: Number(values.seed) });
  const design = spec.weather.design_outdoor_c;
  const plant = new Plant(spec, { startMs: START - RUN_IN_H * 3_600_000, stepS: STEP_S, mode: policy === 'heatscada' ? ControlMode.local : ControlMode.manual, valvePct: EQUAL_OPENING * 100 });
  // Cold snap in the middle of the measured 72 h: the daily mean down to the design temperature.
  spec.weather.cold_snaps.push({ start_h: RUN_IN_H + 18, ramp_h: 12, duration_h: 12, drop_k: spec.weather.mean_c - design });
  const net = plant.net;
  const config = validateDocument(ControlConfigSchema, { interval_s: CONTROL_S, forecast: { lead_h: 3, weight: 0.5 }, heating: Object.fromEntries(spec.substations.map((s) => [s.id, s.heating])), curve: { design_outdoor_c: design } }, 'HS_ERR_CONFIG_INVALID', 'bench');
  const controller =
    policy === 'heatscada'
      ? new Controller(config, { inputs: plantInputs(plant), actuator: plantActuator(plant), audit: new MemoryAudit(), clock: () => plant.timeMs, logger: pino({ level: 'silent' }), forecast: (at) => outdoorTemperature(spec.weather, at, plant.elapsedS + (at - plant.timeMs) / 1000) })
      : undefined;
  const base = { design: spec.source.supply_c_at_design, mild: spec.source.supply_c_mild };
  let offsetK = 0;
  const setSourceOffset = (k: number) => {
    spec.source.supply_c_at_design = Math.min(150, base.design + k);
    spec.source.supply_c_mild = Math.min(150, base.mild + k);
  };
  const buildingMin = (b: number) => plant.state.tIn[b] - net.bSpreadK[b];
  const coldest = () => Math.min(...Array.from({ length: net.buildingCount }, (_, b) => buildingMin(b)));

  const totalS = (RUN_IN_H + HOURS) * 3600;
  const measureFromS = (RUN_IN_H + HOURS - 24) * 3600;
  const bar = progress(`bench:balance ${policy}`);
  const series: Series = { t: [], outdoor: [], minIndoor: [], maxIndoor: [], heatMW: [], sourceC: [] };
  let heatJ = 0;
  let samples = 0;
  let samplesOk = 0;
  let maxIndoor = -Infinity;
  const returnDev = new Float64Array(net.n);
  const flowSum = new Float64Array(net.n);
  const needSum = new Float64Array(net.n);
  for (let s = 0; s < totalS; s += CONTROL_S) {
    // The loop writes the heat source's offset through the source's PLC, like any setpoint.
    if (controller) await controller.cycle();
    if (policy === 'hot-source' && s % 3600 === 0) {
      // The operator's practice: hour by hour, raise (or lower) the source until the coldest home is at 18 °C.
      offsetK = Math.min(40, Math.max(0, offsetK + 3 * (18.3 - coldest())));
      setSourceOffset(offsetK);
    }
    for (let k = 0; k < CONTROL_S; k += STEP_S) {
      plant.advance(STEP_S);
      const el = plant.elapsedS;
      if (el <= measureFromS) continue;
      const st = plant.state;
      heatJ += st.sourceHeatW * STEP_S;
      if (el % SAMPLE_S !== 0) continue;
      for (let i = 0; i < net.n; i++) {
        const heating = spec.substations[i].heating;
        returnDev[i] += st.t2r[i] - returnTargetC(config.curve, heating, st.outdoorC);
        let needW = 0;
        for (let b = net.firstBuilding[i]; b < net.firstBuilding[i + 1]; b++) {
          needW += Math.max(0, net.bUA[b] * (18 + net.bSpreadK[b] - st.outdoorC) - net.bGainsW[b]);
          samples++;
          if (buildingMin(b) >= 18) samplesOk++;
          maxIndoor = Math.max(maxIndoor, st.tIn[b]);
        }
        flowSum[i] += st.nodeFlowM3s[net.subNode[i]];
        needSum[i] += needW / (RHO * CP * Math.max(1, st.t1s[i] - st.t1r[i]));
      }
    }
    if (plant.elapsedS > RUN_IN_H * 3600 && plant.elapsedS % 1800 === 0) {
      const temps = Array.from(plant.state.tIn);
      series.t.push(plant.elapsedS / 3600 - RUN_IN_H);
      series.outdoor.push(plant.state.outdoorC);
      series.minIndoor.push(coldest());
      series.maxIndoor.push(Math.max(...temps));
      series.heatMW.push(plant.state.sourceHeatW / 1e6);
      series.sourceC.push(plant.state.sourceSupplyC);
    }
    bar.update(s + CONTROL_S, totalS);
  }
  const perSample = (Math.round(24 * 3600 / SAMPLE_S));
  const dev = Array.from(returnDev, (d) => d / perSample);
  const ratios = Array.from(flowSum, (f, i) => f / needSum[i]);
  const figures: Figures = {
    spread_k: round(Math.max(...dev) - Math.min(...dev)),
    flow_ratio_min: round(Math.min(...ratios)),
    flow_ratio_max: round(Math.max(...ratios)),
    pct_hours_ge_18: round((100 * samplesOk) / samples, 1),
    max_indoor_c: round(maxIndoor, 1),
    heat_gj: round(heatJ / 1e9, 1),
  };
  bar.done(JSON.stringify(figures));
  return { figures, series };
}

function svg(runs: Record<Policy, Series>): string {
  const W = 900;
  const H = 300;
  const pad = 50;
  const colours: Record<Policy, string> = { equal: '#888', 'hot-source': '#d62728', heatscada: '#1f77b4' };
  const x = (h: number) => pad + ((W - 2 * pad) * h) / HOURS;
  const panel = (top: number, title: string, pick: (s: Series) => number[][], lo: number, hi: number, unit: string) => {
    const y = (v: number) => top + H - pad - ((H - 2 * pad) * (v - lo)) / (hi - lo);
    const lines = (Object.keys(runs) as Policy[]).flatMap((p) =>
      pick(runs[p]).map((vals, k) => `<polyline fill="none" stroke="${colours[p]}" stroke-width="1.5"${k > 0 ? ' stroke-dasharray="4 3"' : ''} points="${vals.map((v, j) => `${x(runs[p].t[j]).toFixed(1)},${y(Math.min(hi, Math.max(lo, v))).toFixed(1)}`).join(' ')}"/>`),
    );
    const ticks = [lo, (lo + hi) / 2, hi].map((v) => `<text x="${pad - 6}" y="${y(v) + 4}" text-anchor="end" font-size="11">${v.toFixed(0)}</text>`);
    return [`<text x="${pad}" y="${top + 20}" font-size="13">${title} (${unit})</text>`, `<line x1="${pad}" y1="${top + H - pad}" x2="${W - pad}" y2="${top + H - pad}" stroke="#000"/>`, ...ticks, ...lines].join('\n');
  };
  const PANELS = 4;
  const legend = (Object.keys(colours) as Policy[]).map((p, k) => `<text x="${pad + 200 * k}" y="${PANELS * H + 20}" fill="${colours[p]}" font-size="12">■ ${p === 'equal' ? '(a) equal valves' : p === 'hot-source' ? '(b) hot source' : '(c) HeatSCADA'}</text>`);
  const hoursAxis = [0, 24, 48, 72].map((h) => `<text x="${x(h)}" y="${PANELS * H - pad + 16}" text-anchor="middle" font-size="11">${h} h</text>`);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${PANELS * H + 30}" font-family="sans-serif">
<rect width="100%" height="100%" fill="#fff"/>
${panel(0, 'Coldest home (solid) and warmest building (dashed)', (s) => [s.minIndoor, s.maxIndoor], 10, 34, '°C')}
${panel(H, 'Heat from the source (substations and pipe losses)', (s) => [s.heatMW], 0, Math.ceil(Math.max(...Object.values(runs).flatMap((s) => s.heatMW))), 'MW')}
${panel(2 * H, 'Source supply temperature', (s) => [s.sourceC], 60, 150, '°C')}
${panel(3 * H, 'Outdoor temperature', (s) => [s.outdoor], -30, 0, '°C')}
${hoursAxis.join('\n')}
${legend.join('\n')}
</svg>
`;
}

const started = performance.now();
const a = await run('equal');
const b = await run('hot-source');
const c = await run('heatscada');
const label: Record<Policy, string> = { equal: '(a) valves fixed at equal openings', 'hot-source': '(b) equal valves, source raised until the coldest home is at 18 °C', heatscada: '(c) HeatSCADA balancing' };
console.log(`bench:balance ${N} substations, ${HOURS} h from 2027-01-15 (run-in ${RUN_IN_H} h), cold snap to the design outdoor temperature from 18 h (12 h down, 12 h held, 12 h back), physics step ${STEP_S} s; figures over the last 24 h`);
for (const [policy, r] of [['equal', a], ['hot-source', b], ['heatscada', c]] as const) {
  const f = r.figures;
  console.log(`${label[policy]}: return spread ${f.spread_k} K, flow ratio ${f.flow_ratio_min}–${f.flow_ratio_max}, building-hours ≥ 18 °C ${f.pct_hours_ge_18} %, warmest ${f.max_indoor_c} °C, heat ${f.heat_gj} GJ`);
}
writeFileSync('docs/balance.svg', svg({ equal: a.series, 'hot-source': b.series, heatscada: c.series }));
console.log(`plot docs/balance.svg; wall ${((performance.now() - started) / 1000).toFixed(1)} s`);
console.log(JSON.stringify({ bench: 'balance', ...c.figures, baseline_heat_gj: b.figures.heat_gj, heat_saving_pct: round((100 * (b.figures.heat_gj - c.figures.heat_gj)) / b.figures.heat_gj, 1) }));
