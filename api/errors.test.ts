import type { FastifyError } from 'fastify';
import { describe, expect, it } from 'vitest';
import { HeatScadaError } from '../model/errors.ts';
import { asHeatScadaError } from './errors.ts';

const validationError = (context: string, instancePath: string, params: Record<string, unknown>, message: string): FastifyError =>
  Object.assign(new Error(`${context}${instancePath} ${message}`), {
    code: 'FST_ERR_VALIDATION',
    name: 'FastifyError',
    statusCode: 400,
    validationContext: context,
    validation: [{ keyword: 'x', instancePath, schemaPath: '#', params, message }],
  }) as FastifyError;

describe('asHeatScadaError', () => {
  it('a schema failure is HS_ERR_BAD_REQUEST naming the field', () => {
    expect(asHeatScadaError(validationError('querystring', '/points', { limit: 10 }, 'must be >= 10')).toJSON()).toMatchObject({
      code: 'HS_ERR_BAD_REQUEST',
      path: 'querystring.points',
    });
    expect(asHeatScadaError(validationError('querystring', '', { missingProperty: 'series' }, "must have required property 'series'")).path).toBe('querystring.series');
  });

  it('a HeatScadaError is itself; another 4xx is a bad request; anything else is HS_ERR_INTERNAL without detail', () => {
    const own = new HeatScadaError('HS_ERR_UNKNOWN_SUBSTATION', undefined, 'params.id');
    expect(asHeatScadaError(own)).toBe(own);
    expect(asHeatScadaError(Object.assign(new Error('Unsupported Media Type'), { statusCode: 415 }) as FastifyError).code).toBe('HS_ERR_BAD_REQUEST');
    const internal = asHeatScadaError(new Error('secret /etc/passwd at line 3'));
    expect(internal.toJSON()).toEqual({ code: 'HS_ERR_INTERNAL', message: 'HS_ERR_INTERNAL: Internal error' });
  });
});
