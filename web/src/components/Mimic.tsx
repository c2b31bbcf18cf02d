// The substation as the control room draws it: primary network → control valve → plate heat
// exchanger → secondary loop (filter, circulation pump, make-up, buildings), with live values
// on the pipes. Values of bad or uncertain quality, or of a silent substation, look stale.

import type { Reading, Status } from '../api.ts';
import { formatValue } from '../format.ts';
import { useI18n } from '../i18n.ts';

export interface MimicReading extends Reading {
  unit: string;
}

interface Props {
  status: Status | undefined;
  readings: Map<string, MimicReading>;
}

const PIPE = { hotPrimary: '#e5534b', coldPrimary: '#4c8ed9', hotSecondary: '#f0883e', coldSecondary: '#58b8e8' };

export function Mimic({ status, readings }: Props) {
  const { t, tagLabel } = useI18n();
  const silent = status === 'offline' || status === 'stale';

  /** One live value at a point of the drawing, with its unit. */
  const value = (tag: string, x: number, y: number, anchor: 'start' | 'middle' | 'end' = 'start') => {
    const r = readings.get(tag);
    const quality = silent || !r ? 'bad' : r.quality;
    return (
      <g>
        <title>{tagLabel(tag)}</title>
        <text x={x} y={y} textAnchor={anchor} className={`mv q-${quality}`} data-tag={tag}>
          {formatValue(r?.value, r?.unit ?? '', t)}
          {r?.unit && typeof r.value === 'number' ? ` ${r.unit}` : ''}
        </text>
      </g>
    );
  };

  const bool = (tag: string) => readings.get(tag)?.value === true;
  const pumpState = bool('pump.fault') ? 'fault' : bool('pump.running') ? 'running' : 'stopped';
  const valve = readings.get('primary.valve_position')?.value;
  const opening = typeof valve === 'number' ? Math.min(1, Math.max(0, valve / 100)) : 0;

  return (
    <svg className={`mimic ${silent ? 'silent' : ''}`} viewBox="0 0 920 370" data-testid="mimic">
      <text x={20} y={24} className="ml head">
        {t('mimic.primary')}
      </text>
      <text x={900} y={24} textAnchor="end" className="ml head">
        {t('mimic.secondary')}
      </text>
      <text x={20} y={350} className="ml">
        {t('tag.outdoor.temp')}
      </text>
      {value('outdoor.temp', 120, 350)}

      {/* Primary side: supply in along the top, return out along the bottom. */}
      <path d="M20 90 H420" stroke={PIPE.hotPrimary} className="pipe" />
      <path d="M420 270 H20" stroke={PIPE.coldPrimary} className="pipe" />
      {value('primary.supply_temp', 30, 78)}
      {value('primary.supply_pressure', 30, 112)}
      {value('primary.flow', 130, 112)}
      {value('primary.return_temp', 30, 258)}
      {value('primary.return_pressure', 30, 292)}

      {/* Control valve: two triangles, the fill shows its opening. */}
      <g transform="translate(300 90)">
        <path d="M-18 -12 L0 0 L-18 12 Z M18 -12 L0 0 L18 12 Z" className="valve" />
        <rect x={-18} y={-36} width={36} height={6} className="bar-bg" />
        <rect x={-18} y={-36} width={36 * opening} height={6} className="bar" />
        <text y={30} textAnchor="middle" className="ml">
          {t('mimic.valve')}
        </text>
        {value('primary.valve_position', 0, -42, 'middle')}
      </g>

      {/* Plate heat exchanger. */}
      <g>
        <rect x={420} y={60} width={80} height={240} rx={4} className="hx" />
        {[0, 1, 2, 3, 4, 5, 6].map((k) => (
          <line key={k} x1={430 + k * 10} y1={70} x2={430 + k * 10} y2={290} className="plate" />
        ))}
        <text x={460} y={320} textAnchor="middle" className="ml">
          {t('mimic.hx')}
        </text>
        {value('heat.power', 460, 340, 'middle')}
      </g>

      {/* Secondary side: supply out to the buildings, return through filter and pump. */}
      <path d="M500 90 H780" stroke={PIPE.hotSecondary} className="pipe" />
      <path d="M780 270 H500" stroke={PIPE.coldSecondary} className="pipe" />
      {value('secondary.supply_temp', 520, 78)}
      {value('secondary.supply_pressure', 520, 112)}
      {value('secondary.flow', 640, 112)}
      {value('secondary.return_temp', 775, 258, 'end')}
      {value('secondary.return_pressure', 775, 292, 'end')}

      <g transform="translate(675 270)">
        <rect x={-14} y={-12} width={28} height={24} className="filter" />
        <path d="M-14 -12 L14 12" className="plate" />
        <text y={30} textAnchor="middle" className="ml">
          {t('mimic.filter')}
        </text>
        {value('filter.dp', 0, 46, 'middle')}
      </g>

      <g transform="translate(600 270)" data-testid="pump" data-state={pumpState}>
        <circle r={18} className={`pump pump-${pumpState}`} />
        <path d="M-8 -10 L12 0 L-8 10 Z" className="pump-arrow" />
        <text y={-26} textAnchor="middle" className="ml">
          {t('mimic.pump')} · {t(`pump.${pumpState}`)}
        </text>
        {value('pump.frequency', 0, 38, 'middle')}
      </g>

      {/* Make-up: the tank feeds the return ahead of the pump; its flow is the leak detector. */}
      <g>
        <path d="M530 320 V270" stroke={PIPE.coldSecondary} className="pipe thin" />
        <rect x={505} y={320} width={50} height={34} rx={3} className="tank" />
        <text x={565} y={334} className="ml">
          {t('mimic.makeup')}
        </text>
        {value('makeup.flow', 565, 352)}
        {value('makeup.tank_level', 645, 352)}
      </g>

      {/* Buildings, with the indoor temperatures their sampled homes report. */}
      <g transform="translate(790 60)">
        <path d="M0 30 L30 0 L60 30 V240 H0 Z" className="building" />
        <path d="M66 60 L86 40 L106 60 V240 H66 Z" className="building" />
        <text x={53} y={262} textAnchor="middle" className="ml">
          {t('mimic.buildings')}
        </text>
      </g>
      <text x={775} y={150} textAnchor="end" className="ml">
        {tagLabel('indoor.temp_min')}
      </text>
      {value('indoor.temp_min', 775, 168, 'end')}
      <text x={775} y={198} textAnchor="end" className="ml">
        {tagLabel('indoor.temp_avg')}
      </text>
      {value('indoor.temp_avg', 775, 216, 'end')}
    </svg>
  );
}
