// Which read requests a poll sends: the tags' registers grouped by function code, sorted, and
// merged into as few requests as the protocol allows. Tags sharing a register (status bits)
// cost nothing extra; a gap of unmapped registers is read over when it is at most maxGap long
// (some PLCs answer exception 2 for unmapped registers, so the default reads no gap).

import type { TagName } from '../../model/tags.ts';
import { decodeValue, wordCount, type RegisterLayout } from './conversions.ts';

/** Modbus application protocol §6.3/6.4: at most 125 registers per FC3/FC4 read. */
export const MAX_READ_REGISTERS = 125;

export type ReadFunctionCode = 3 | 4;

/** Where one tag sits: its function code, first register and layout. */
export interface RegisterSpan {
  tag: TagName;
  functionCode: ReadFunctionCode;
  address: number;
  layout: RegisterLayout;
}

export interface ReadRequest {
  functionCode: ReadFunctionCode;
  address: number;
  count: number;
  /** The tags this request answers, with their registers inside it. */
  spans: RegisterSpan[];
}

export interface PlanOptions {
  /** Unmapped registers a request may read over to join two groups. */
  maxGap: number;
  /** Registers per request: the protocol's 125, or less for devices that take less. */
  maxCount: number;
}

export function planReads(spans: readonly RegisterSpan[], options: PlanOptions): ReadRequest[] {
  const sorted = [...spans].sort((a, b) => a.functionCode - b.functionCode || a.address - b.address);
  const requests: ReadRequest[] = [];
  let current: ReadRequest | undefined;
  for (const span of sorted) {
    const words = wordCount(span.layout.type);
    if (words > options.maxCount) throw new RangeError(`${span.tag} spans ${words} registers, more than ${options.maxCount} per request`);
    const end = span.address + words;
    const joins =
      current !== undefined &&
      current.functionCode === span.functionCode &&
      span.address <= current.address + current.count + options.maxGap &&
      Math.max(end, current.address + current.count) - current.address <= options.maxCount;
    if (current && joins) {
      current.count = Math.max(current.count, end - current.address);
      current.spans.push(span);
    } else {
      current = { functionCode: span.functionCode, address: span.address, count: words, spans: [span] };
      requests.push(current);
    }
  }
  return requests;
}

/** The tags' values out of the words a request returned. */
export function decodeAnswer(request: ReadRequest, words: readonly number[]): { tag: TagName; value: number | boolean }[] {
  if (words.length < request.count) throw new RangeError(`asked for ${request.count} registers at ${request.address}, got ${words.length}`);
  return request.spans.map((span) => {
    const from = span.address - request.address;
    return { tag: span.tag, value: decodeValue(words.slice(from, from + wordCount(span.layout.type)), span.layout) };
  });
}
