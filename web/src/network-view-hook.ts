// What the network picture tells tests and benchmarks about itself (window.__networkView): the
// substations as last drawn and the frames drawn, so a test reads what was drawn rather than
// guessing from pixels. No imports: the server-side type check reads this file too.

export interface DrawnSubstation {
  id: string;
  /** Its worst state (network-state.ts WORST_STATES) and that state's colour. */
  state: string;
  colour: string;
  /** Where it is on the canvas, CSS pixels from the canvas's top left. */
  x: number;
  y: number;
  visible: boolean;
}

export interface NetworkViewHook {
  readonly frames: number;
  substations(): DrawnSubstation[];
  /** Moves the view by dx, dy CSS pixels and zooms by factor around the centre, as a drag and a wheel would. */
  pan(dx: number, dy: number, factor?: number): void;
}

declare global {
  interface Window {
    __networkView?: NetworkViewHook;
  }
}
