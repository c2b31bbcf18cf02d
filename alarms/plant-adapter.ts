import { TAGS } from '../model/tags.ts';
import type { Plant } from '../simulators/plant.ts';
import type { AlarmEngine } from './engine.ts';

// Feeds the engine straight from the plant model, without protocols: what a perfect collector
// polling every substation would publish (stamped with its own clock, the wall's, as the PLCs'
// clocks are), and a DEATH while a PLC does not answer. The bench and
// the fault unit tests drive the same engine code through it.

export class PlantAdapter {
  private readonly dead = new Set<string>();

  constructor(
    private readonly plant: Plant,
    private readonly engine: AlarmEngine,
  ) {}

  /** One poll of every substation. */
  poll(): void {
    for (const id of this.plant.substationIds) {
      const answers = this.plant.answers(id);
      if (!answers) {
        if (!this.dead.has(id)) (this.dead.add(id), this.engine.link(id, false));
        continue;
      }
      if (this.dead.delete(id)) this.engine.link(id, true);
      const ts = Date.now();
      this.engine.ingest(id, TAGS.map((t) => ({ tag: t.name, value: this.plant.read(id, t.name), ts })));
    }
  }
}
