import { Type } from '@sinclair/typebox';

// Schemas several routes share: the error body, a value, a status, a location.

export const ErrorBody = Type.Object(
  { code: Type.String({ pattern: '^HS_ERR_' }), message: Type.String(), path: Type.Optional(Type.String()) },
  { description: 'Every error: an HS_ERR_ code of model/errors.ts, a message, and the field or object it is about' },
);

export const Value = Type.Union([Type.Number(), Type.Boolean()]);
export const QualitySchema = Type.Union([Type.Literal('good'), Type.Literal('uncertain'), Type.Literal('bad')]);
export const StatusSchema = Type.Union([Type.Literal('online'), Type.Literal('offline'), Type.Literal('stale'), Type.Literal('alarm')]);
export const LocationSchema = Type.Object({ lat: Type.Number(), lon: Type.Number() });
