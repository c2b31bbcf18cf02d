import { readFileSync } from 'node:fs';
import type { Static, TSchema } from '@sinclair/typebox';
import { Ajv, type ErrorObject } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { parse as parseYaml } from 'yaml';
import { HeatScadaError, type ErrorCode } from './errors.ts';

// ajv-formats ships CommonJS; under NodeNext its default export is the module object.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

/** One Ajv for every document (configuration, network, scenario, API bodies). */
export const ajv = addFormats(new Ajv({ allErrors: true, useDefaults: true, strict: false }));

function describe(error: ErrorObject): { path: string; why: string } {
  const base = error.instancePath === '' ? '' : error.instancePath;
  if (error.keyword === 'required') {
    return { path: `${base}/${String(error.params.missingProperty)}`, why: 'is required' };
  }
  if (error.keyword === 'additionalProperties') {
    return { path: `${base}/${String(error.params.additionalProperty)}`, why: 'is not a known field' };
  }
  return { path: base || '/', why: error.message ?? 'is invalid' };
}

const compiled = new WeakMap<TSchema, ReturnType<Ajv['compile']>>();

/**
 * Validates (and fills defaults into) a document; throws a HeatScadaError naming the path of
 * the first bad field and listing every problem, so a bad file fails at start, not at 3 a.m.
 */
export function validateDocument<S extends TSchema>(schema: S, doc: unknown, code: ErrorCode, source = ''): Static<S> {
  let validate = compiled.get(schema);
  if (!validate) {
    validate = ajv.compile(schema);
    compiled.set(schema, validate);
  }
  if (validate(doc)) return doc as Static<S>;
  const problems = (validate.errors ?? []).map(describe);
  const first = problems[0] ?? { path: '/', why: 'is invalid' };
  const all = problems.map((p) => `${p.path} ${p.why}`).join('; ');
  throw new HeatScadaError(code, `${source ? `${source}: ` : ''}${all}`, first.path);
}

/** A JSON message (an MQTT payload) validated like a document; a payload that is not JSON fails with `code` at `/`. */
export function validateMessage<S extends TSchema>(schema: S, payload: Uint8Array, code: ErrorCode, source: string): Static<S> {
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(payload).toString('utf8'));
  } catch {
    throw new HeatScadaError(code, `${source}: the payload is not JSON`, '/');
  }
  return validateDocument(schema, doc, code, source);
}

/** Reads a YAML (or JSON) file and validates it; parse errors name the file and line. */
export function loadDocument<S extends TSchema>(schema: S, file: string, code: ErrorCode): Static<S> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new HeatScadaError('HS_ERR_CONFIG_READ', (e as Error).message, file);
  }
  let doc: unknown;
  try {
    // Generated configurations share one tag map by YAML alias across hundreds of devices.
    doc = parseYaml(text, { maxAliasCount: -1 });
  } catch (e) {
    throw new HeatScadaError(code, `${file}: ${(e as Error).message}`, '/');
  }
  return validateDocument(schema, doc, code, file);
}

/**
 * The schema with every `default` removed, for a request body that replaces settings: a field
 * left out must be an error, not quietly reset to its factory value.
 */
export function withoutDefaults<T extends TSchema>(schema: T): T {
  // `properties` maps field names to schemas: a field may be called "default", a keyword may not stay.
  const strip = (node: unknown, isPropertyMap = false): unknown => {
    if (Array.isArray(node)) return node.map((n) => strip(n));
    if (node === null || typeof node !== 'object') return node;
    const entries = Object.entries(node).filter(([key]) => isPropertyMap || key !== 'default');
    return Object.fromEntries(entries.map(([key, value]) => [key, strip(value, !isPropertyMap && key === 'properties')]));
  };
  return strip(schema) as T;
}
