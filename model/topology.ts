import { Type, type Static } from '@sinclair/typebox';

// What a picture of the network needs of its description: the tree (source, junctions,
// substations, each pipe named by its child with the parent it hangs from), where the nodes
// stand and the names people use. A subset of the plant's network description
// (simulators/network/schema.ts), so the simulator's manifest and a company's own description
// file read alike; fields it does not name (physics) are ignored.

export const LocationSchema = Type.Object(
  { lat: Type.Number({ minimum: -90, maximum: 90 }), lon: Type.Number({ minimum: -180, maximum: 180 }) },
  { additionalProperties: false },
);

/** A name as people say it (zh), with an optional English form. */
export const PlaceNameSchema = Type.Object(
  { zh: Type.String({ minLength: 1, maxLength: 80 }), en: Type.Optional(Type.String({ minLength: 1, maxLength: 80 })) },
  { additionalProperties: false },
);

const NodeId = Type.String({ minLength: 1, maxLength: 64 });
const Node = { id: NodeId, location: Type.Optional(LocationSchema) };
const Pipe = { parent: NodeId, diameter_mm: Type.Optional(Type.Number({ exclusiveMinimum: 0 })) };

export const TopologySchema = Type.Object({
  name: Type.Optional(Type.String()),
  source: Type.Object(Node),
  junctions: Type.Array(Type.Object({ ...Node, ...Pipe }), { default: [] }),
  substations: Type.Array(
    Type.Object({
      ...Node,
      ...Pipe,
      name: Type.Optional(Type.String({ minLength: 1, maxLength: 80 })),
      name_en: Type.Optional(Type.String({ minLength: 1, maxLength: 80 })),
      community: Type.Optional(PlaceNameSchema),
      area: Type.Optional(PlaceNameSchema),
    }),
  ),
});

export type Location = Static<typeof LocationSchema>;
export type PlaceName = Static<typeof PlaceNameSchema>;
export type NetworkTopology = Static<typeof TopologySchema>;
