import type { Plant } from '../simulators/plant.ts';

/** Below this the physics holds the water still in its delay (simulators/physics/step.ts MIN_VELOCITY_M_S). */
const MIN_VELOCITY_M_S = 0.02;

/**
 * A simulated network's transport delay to its farthest substation, h (lead_h 'transport'
 * under `heatscada start` and in the cold-snap run): pipe by pipe from the source, length over
 * the velocity of the flow it carries now — the physics' own delay. Against real PLCs the
 * configuration names it (forecast.transport_h).
 */
export function transportDelayH(plant: Plant): number {
  const { nodeCount, parent, pipeLengthM, pipeAreaM2, nodeSubstation } = plant.net;
  const delayS = new Float64Array(nodeCount);
  let farthestS = 0;
  for (let k = 1; k < nodeCount; k++) {
    delayS[k] = delayS[parent[k]] + pipeLengthM[k] / Math.max(plant.state.nodeFlowM3s[k] / pipeAreaM2[k], MIN_VELOCITY_M_S);
    if (nodeSubstation[k] >= 0) farthestS = Math.max(farthestS, delayS[k]);
  }
  return farthestS / 3600;
}
