// The wall's network tile: the network picture (NetworkCanvas, live looks), or, while there is
// no topology to draw, the worst substations as a list.

import { useNetworkLooks, useTopology } from '../network-live.ts';
import { NetworkCanvas } from './NetworkCanvas.tsx';
import { WorstSubstations } from './WorstSubstations.tsx';

/** What the wall bar, the tile's heading and the legend take from the screen's height. */
const CHROME = '230px';

export function WallNetwork({ listLimit }: { listLimit: number }) {
  const { topology } = useTopology();
  const looks = useNetworkLooks();
  if (!topology || topology.substations.length === 0) return <WorstSubstations limit={listLimit} />;
  return <NetworkCanvas network={topology} states={looks} height={`calc(100vh - ${CHROME})`} />;
}
