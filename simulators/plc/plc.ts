import { ControlMode } from '../../model/tags.ts';
import type { PlantState } from '../physics/state.ts';

// The substation PLC: modes, the local supply-temperature loop, the pump drive and the
// watchdog. One function per scan, pure over the state arrays of substation i.

/** The centre must write at least this often in remote mode, or the PLC falls back to local. */
export const WATCHDOG_S = 15 * 60;
/** Local PI loop on the secondary supply temperature: valve share per K and integral time. */
export const PI_GAIN_PER_K = 0.03;
export const PI_INTEGRAL_S = 240;
/** Drive ramps, Hz/s. */
const PUMP_RAMP_UP_HZ_S = 2;
const PUMP_RAMP_DOWN_HZ_S = 5;

const clamp01 = (x: number): number => (x < 0 ? 0 : x > 1 ? 1 : x);

/** One PLC scan of dt seconds for substation i. A PLC without power does nothing. */
export function plcScan(s: PlantState, i: number, dt: number): void {
  if (s.powerOff[i]) {
    s.pumpRunning[i] = 0;
    s.pumpHz[i] = 0;
    return;
  }
  s.heartbeatS[i] += dt;
  s.centreSilentS[i] += dt;
  if (s.mode[i] === ControlMode.remote && s.centreSilentS[i] >= WATCHDOG_S) s.mode[i] = ControlMode.local;

  const error = s.supplySetpointC[i] - s.t2s[i];
  if (s.mode[i] === ControlMode.local) {
    const integral = s.piIntegral[i] + ((PI_GAIN_PER_K * dt) / PI_INTEGRAL_S) * error;
    const unclamped = PI_GAIN_PER_K * error + integral;
    const out = clamp01(unclamped);
    // Anti-windup: the integral only keeps what the saturated output can use.
    s.piIntegral[i] = unclamped === out ? integral : out - PI_GAIN_PER_K * error;
    s.valveCommand[i] = out;
    // The setpoint register shows what the PLC commands, so a switch to remote is bumpless.
    s.valveSetpointPct[i] = out * 100;
  } else {
    s.valveCommand[i] = s.valveSetpointPct[i] / 100;
    // Tracking keeps a later switch to local bumpless.
    s.piIntegral[i] = s.valveCommand[i] - PI_GAIN_PER_K * error;
  }

  const running = s.pumpTrip[i] === 0;
  s.pumpRunning[i] = running ? 1 : 0;
  const target = running ? s.pumpSetpointHz[i] : 0;
  const hz = s.pumpHz[i];
  s.pumpHz[i] = target > hz ? Math.min(target, hz + PUMP_RAMP_UP_HZ_S * dt) : Math.max(target, hz - PUMP_RAMP_DOWN_HZ_S * dt);
}
