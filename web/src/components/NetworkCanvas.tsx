// The network as a picture on one canvas: the mains coloured by supply temperature and sized by
// diameter, each substation a dot in the colour of its worst state, the heat source a square
// (network-paint.ts draws a frame in one pass). A frame is drawn only when something changed:
// data, view, hover or size. Drag pans, the wheel zooms around the pointer, hovering shows the
// key figures, a click opens the substation. window.__networkView lists what was drawn, for
// tests and benchmarks.

import { useEffect, useMemo, useRef, useState, type CSSProperties } from 'react';
import type { Topology, TopologySubstation } from '../api.ts';
import { formatNumber } from '../format.ts';
import { useI18n } from '../i18n.ts';
import { layoutNetwork, type Scene } from '../network-layout.ts';
import type { SubstationLook } from '../network-live.ts';
import { displayName } from '../network-search.ts';
import type { NetworkViewHook } from '../network-view-hook.ts';
import { dotRadius, paintNetwork, paintOf, type View } from '../network-paint.ts';
import { STATE_COLOURS, STATE_LABELS, SUPPLY_SCALE, supplyColour, WORST_STATES } from '../network-state.ts';
import { substationHref } from '../routes.ts';

export interface NetworkCanvasProps {
  network: Topology;
  /** Each substation's look by id; one absent is drawn offline. */
  states: ReadonlyMap<string, SubstationLook>;
  /** A click on a substation; by default it opens the substation's page. */
  onSelect?: (id: string) => void;
  /** CSS height of the picture; it is as wide as its container. */
  height?: number | string;
  /** Substations to ring (search results). */
  highlight?: ReadonlySet<string>;
  /** A substation to centre on; changing it moves the view there. */
  focus?: string;
  /** Show the legend under the picture (default true). */
  legend?: boolean;
}

const FIT_MARGIN_PX = 24;
const CLICK_SLOP_PX = 4;
const HIT_PX = 7;
const MIN_SCALE = 1e-4;
const MAX_SCALE = 2;

function fit(scene: Scene, width: number, height: number): View {
  const { minX, minY, maxX, maxY } = scene.bounds;
  const w = Math.max(1, maxX - minX);
  const h = Math.max(1, maxY - minY);
  const scale = Math.max(MIN_SCALE, Math.min((width - 2 * FIT_MARGIN_PX) / w, (height - 2 * FIT_MARGIN_PX) / h, MAX_SCALE));
  return { scale, ox: width / 2 - ((minX + maxX) / 2) * scale, oy: height / 2 - ((minY + maxY) / 2) * scale };
}

export function NetworkCanvas({ network, states, onSelect, height = 560, highlight, focus, legend = true }: NetworkCanvasProps) {
  const { t, lang } = useI18n();
  const scene = useMemo(() => layoutNetwork(network), [network]);
  const byId = useMemo(() => new Map(network.substations.map((s) => [s.id, s])), [network]);
  const paint = useMemo(() => paintOf(scene, states), [scene, states]);
  const wrap = useRef<HTMLDivElement>(null);
  const canvas = useRef<HTMLCanvasElement>(null);
  const view = useRef<View | undefined>(undefined);
  const size = useRef({ width: 0, height: 0 });
  const frame = useRef(0);
  const frames = useRef(0);
  const hoverRef = useRef<number>(-1);
  const [hover, setHover] = useState<{ index: number; x: number; y: number }>();
  // The draw reads the latest props through one ref, so it never needs re-binding.
  const ringed = useMemo(() => [...(highlight ?? [])].map((id) => scene.index.get(id)).filter((i) => i !== undefined), [highlight, scene]);
  const latest = useRef({ scene, paint, ringed, lang, byId });
  latest.current = { scene, paint, ringed, lang, byId };

  const draw = () => {
    frame.current = 0;
    const el = canvas.current;
    const v = view.current;
    const ctx = el?.getContext('2d');
    if (!el || !v || !ctx) return;
    const { scene: sc, paint: p, ringed: ring, lang: language, byId: names } = latest.current;
    const { width, height: h } = size.current;
    const dpr = window.devicePixelRatio || 1;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    paintNetwork(ctx, sc, p, { width, height: h, view: v, ring, hover: hoverRef.current, label: (i) => mapLabel(displayName(names.get(sc.ids[i]), sc.ids[i], language)) });
    frames.current++;
    el.dataset.frames = String(frames.current);
  };

  const invalidate = () => {
    if (frame.current === 0) frame.current = requestAnimationFrame(draw);
  };

  // Size: as wide as the container, the given height; a resize keeps the view's centre.
  useEffect(() => {
    const el = canvas.current;
    const box = wrap.current;
    if (!el || !box) return;
    const resize = () => {
      const width = box.clientWidth;
      const h = el.clientHeight;
      const dpr = window.devicePixelRatio || 1;
      const before = size.current;
      size.current = { width, height: h };
      el.width = Math.round(width * dpr);
      el.height = Math.round(h * dpr);
      if (view.current) {
        view.current = { ...view.current, ox: view.current.ox + (width - before.width) / 2, oy: view.current.oy + (h - before.height) / 2 };
      }
      invalidate();
    };
    const observer = new ResizeObserver(resize);
    observer.observe(box);
    resize();
    return () => {
      observer.disconnect();
      if (frame.current) cancelAnimationFrame(frame.current);
      frame.current = 0;
    };
  }, []);

  // A new topology is fitted to the picture; new data or search results are drawn.
  useEffect(() => {
    view.current = fit(scene, size.current.width || 800, size.current.height || 560);
    hoverRef.current = -1;
    setHover(undefined);
    invalidate();
  }, [scene]);
  useEffect(invalidate, [paint, ringed, lang]);

  useEffect(() => {
    const i = focus === undefined ? undefined : scene.index.get(focus);
    const v = view.current;
    if (i === undefined || !v) return;
    const scale = Math.max(v.scale, 0.05);
    view.current = { scale, ox: size.current.width / 2 - scene.x[i] * scale, oy: size.current.height / 2 - scene.y[i] * scale };
    invalidate();
  }, [focus, scene]);

  const zoom = (factor: number, cx: number, cy: number) => {
    const v = view.current;
    if (!v) return;
    const scale = Math.max(MIN_SCALE, Math.min(MAX_SCALE, v.scale * factor));
    const k = scale / v.scale;
    view.current = { scale, ox: cx - (cx - v.ox) * k, oy: cy - (cy - v.oy) * k };
    invalidate();
  };
  const panBy = (dx: number, dy: number) => {
    const v = view.current;
    if (!v) return;
    view.current = { ...v, ox: v.ox + dx, oy: v.oy + dy };
    invalidate();
  };

  // The wheel must not scroll the page: a passive React listener cannot prevent that.
  useEffect(() => {
    const el = canvas.current;
    if (!el) return;
    const onWheel = (e: WheelEvent) => {
      e.preventDefault();
      const box = el.getBoundingClientRect();
      zoom(Math.exp(-e.deltaY * 0.0015), e.clientX - box.left, e.clientY - box.top);
    };
    el.addEventListener('wheel', onWheel, { passive: false });
    return () => el.removeEventListener('wheel', onWheel);
  }, []);

  const hit = (x: number, y: number): number => {
    const v = view.current;
    if (!v) return -1;
    const s = latest.current.scene;
    const reach = Math.max(HIT_PX, dotRadius(v.scale) + 3) ** 2;
    let best = -1;
    let bestD = reach;
    for (let i = 0; i < s.ids.length; i++) {
      const dx = s.x[i] * v.scale + v.ox - x;
      const dy = s.y[i] * v.scale + v.oy - y;
      const d = dx * dx + dy * dy;
      if (d <= bestD) {
        bestD = d;
        best = i;
      }
    }
    return best;
  };

  useEffect(() => {
    const hook: NetworkViewHook = {
      get frames() {
        return frames.current;
      },
      substations: () => {
        const { scene: s, paint: p } = latest.current;
        const v = view.current ?? { scale: 1, ox: 0, oy: 0 };
        const { width, height: h } = size.current;
        return s.ids.map((id, i) => {
          const state = WORST_STATES[p.state[i]];
          const x = s.x[i] * v.scale + v.ox;
          const y = s.y[i] * v.scale + v.oy;
          return { id, state, colour: STATE_COLOURS[state], x, y, visible: x >= 0 && y >= 0 && x <= width && y <= h };
        });
      },
      pan: (dx, dy, factor = 1) => {
        panBy(dx, dy);
        if (factor !== 1) zoom(factor, size.current.width / 2, size.current.height / 2);
      },
    };
    window.__networkView = hook;
    return () => {
      delete window.__networkView;
    };
  }, []);

  const drag = useRef<{ x: number; y: number; moved: number; id: number } | undefined>(undefined);
  const local = (e: { clientX: number; clientY: number }) => {
    const box = canvas.current!.getBoundingClientRect();
    return { x: e.clientX - box.left, y: e.clientY - box.top };
  };
  const setHovered = (index: number, x: number, y: number) => {
    if (index !== hoverRef.current) invalidate();
    hoverRef.current = index;
    setHover(index >= 0 ? { index, x, y } : undefined);
  };
  const select = onSelect ?? ((id: string) => (location.hash = substationHref(id)));

  const hovered = hover ? scene.ids[hover.index] : undefined;
  const look = hovered ? states.get(hovered) : undefined;
  const tip: CSSProperties | undefined = hover && {
    position: 'absolute',
    left: Math.min(hover.x + 14, Math.max(0, size.current.width - 240)),
    top: hover.y + 14,
    pointerEvents: 'none',
    background: 'rgba(22,27,34,0.95)',
    border: '1px solid #30363d',
    borderRadius: 6,
    padding: '6px 10px',
    minWidth: 200,
    zIndex: 2,
  };
  const button: CSSProperties = { width: 28, height: 28, fontSize: 16, lineHeight: '16px' };

  return (
    <div className="network-canvas" data-testid="network-canvas">
      <div ref={wrap} style={{ position: 'relative', width: '100%' }}>
        <canvas
          ref={canvas}
          data-testid="network-picture"
          data-substations={scene.ids.length}
          style={{ display: 'block', width: '100%', height, cursor: hover ? 'pointer' : 'grab', touchAction: 'none', borderRadius: 6 }}
          onPointerDown={(e) => {
            const p = local(e);
            drag.current = { ...p, moved: 0, id: e.pointerId };
            e.currentTarget.setPointerCapture(e.pointerId);
          }}
          onPointerMove={(e) => {
            const p = local(e);
            const d = drag.current;
            if (d) {
              d.moved += Math.abs(p.x - d.x) + Math.abs(p.y - d.y);
              if (d.moved > CLICK_SLOP_PX) {
                panBy(p.x - d.x, p.y - d.y);
                d.x = p.x;
                d.y = p.y;
                if (hoverRef.current >= 0) setHovered(-1, 0, 0);
                return;
              }
            }
            setHovered(hit(p.x, p.y), p.x, p.y);
          }}
          onPointerUp={(e) => {
            const d = drag.current;
            drag.current = undefined;
            if (!d || d.moved > CLICK_SLOP_PX) return;
            const p = local(e);
            const i = hit(p.x, p.y);
            if (i >= 0) select(scene.ids[i]);
          }}
          onPointerLeave={() => !drag.current && setHovered(-1, 0, 0)}
        />
        <div style={{ position: 'absolute', right: 8, top: 8, display: 'flex', gap: 4 }}>
          <button type="button" style={button} title={t('network.zoomIn')} onClick={() => zoom(1.5, size.current.width / 2, size.current.height / 2)} data-testid="network-zoom-in">
            +
          </button>
          <button type="button" style={button} title={t('network.zoomOut')} onClick={() => zoom(1 / 1.5, size.current.width / 2, size.current.height / 2)}>
            −
          </button>
          <button
            type="button"
            style={button}
            title={t('network.fit')}
            onClick={() => {
              view.current = fit(scene, size.current.width, size.current.height);
              invalidate();
            }}
            data-testid="network-fit"
          >
            ⤢
          </button>
        </div>
        {tip && hovered && (
          <div style={tip} data-testid="network-tooltip">
            <strong>{displayName(byId.get(hovered), hovered, lang)}</strong> <small className="muted">{hovered}</small>
            <div style={{ color: STATE_COLOURS[look?.state ?? 'offline'] }}>{t(STATE_LABELS[look?.state ?? 'offline'])}</div>
            {areaLine(byId.get(hovered), lang) && <div className="muted">{areaLine(byId.get(hovered), lang)}</div>}
            <div className="num" style={{ textAlign: 'left' }}>
              {t('col.t1')}: {formatNumber(look?.supplyC, '°C')} / {formatNumber(look?.returnC, '°C')} °C
              <br />
              {t('col.heat')}: {formatNumber(look?.heatKw, 'kW')} kW
              <br />
              {t('col.indoorMin')}: {formatNumber(look?.indoorMinC, '°C')} °C
            </div>
          </div>
        )}
      </div>
      {legend && <Legend />}
    </div>
  );
}

/** On the map every dot is a substation: the word is left out of its label. */
const mapLabel = (name: string): string => name.replace(/( Substation|换热站)$/, '');

function areaLine(s: TopologySubstation | undefined, lang: string): string | undefined {
  const pick = (p: { zh: string; en?: string } | undefined) => (p ? (lang === 'en' ? (p.en ?? p.zh) : p.zh) : undefined);
  const parts = [pick(s?.area), pick(s?.community)].filter(Boolean);
  return parts.length > 0 ? parts.join(' · ') : undefined;
}

function Legend() {
  const { t } = useI18n();
  const { fromC, toC, steps } = SUPPLY_SCALE;
  const dot = (colour: string, hollow = false): CSSProperties => ({
    display: 'inline-block',
    width: 10,
    height: 10,
    borderRadius: 5,
    marginRight: 4,
    ...(hollow ? { border: `2px solid ${colour}` } : { background: colour }),
  });
  return (
    <div className="toolbar muted" data-testid="network-legend" style={{ marginTop: 6, gap: 12 }}>
      {WORST_STATES.map((s) => (
        <span key={s}>
          <span style={dot(STATE_COLOURS[s], s === 'stale')} />
          {t(STATE_LABELS[s])}
        </span>
      ))}
      <span>
        {t('network.legend.supply')} {fromC}
        {Array.from({ length: steps }, (_, k) => (
          <span key={k} style={{ display: 'inline-block', width: 14, height: 4, margin: '0 1px 2px', background: supplyColour(k) }} />
        ))}
        {toC} °C
      </span>
    </div>
  );
}
