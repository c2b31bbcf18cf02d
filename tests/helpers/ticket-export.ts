import type { BuildingEntry } from '../../model/service.ts';
import type { ExportRow } from '../../service/import/write-export.ts';

// 12345 ticket exports for tests: deterministic rows over the buildings of an address book,
// ten kinds of bad row to break them with, and GB18030 bytes as Chinese office software saves CSV.

const WORDS: [string, string][] = [
  ['不热', '家里暖气不热，室温只有十五度'],
  ['室温低', '卧室温度低，老人受不了'],
  ['漏水', '楼道暖气管漏水'],
  ['圈气', '暖气片上面热下面凉，可能有气'],
  ['噪音', '管道夜里有响声'],
  ['报停', '申请报停，家里没人住'],
  ['收费', '问一下今年的取暖费'],
  ['其他', '想咨询一下供热时间'],
];

/** 'YYYY-MM-DD HH:mm:ss' in Beijing time (UTC+8 all year). */
export const beijingWall = (ms: number): string => new Date(ms + 8 * 3_600_000).toISOString().slice(0, 19).replace('T', ' ');

/** n tickets, one a minute from startMs, spread over the buildings, every home different. */
export function sampleTickets(n: number, buildings: readonly BuildingEntry[], startMs: number): ExportRow[] {
  return Array.from({ length: n }, (_, i) => {
    const b = buildings[i % buildings.length];
    const [category, words] = WORDS[i % WORDS.length];
    return {
      ticket: `GD2026${String(i + 1).padStart(6, '0')}`,
      received_at: beijingWall(startMs + i * 60_000),
      community: b.community,
      building: b.building,
      unit: String(1 + (i % 4)),
      room: String(101 + Math.floor(i / buildings.length)),
      phone: `139${String(10_000_000 + i * 7919).slice(-8)}`,
      category,
      words,
    };
  });
}

/** One bad row of each of ten kinds: the row (index into the rows), the column's field, what the error must say. */
export const BAD_ROWS: { index: number; field: keyof ExportRow; value: string; message: RegExp }[] = [
  { index: 16, field: 'received_at', value: '2026-13-01 08:00:00', message: /not a time: 2026-13-01 08:00:00/ },
  { index: 101, field: 'received_at', value: '2026-02-30 09:15:00', message: /not a time: 2026-02-30/ },
  { index: 202, field: 'category', value: '暖气片坏了', message: /unknown category: 暖气片坏了/ },
  { index: 303, field: 'phone', value: '请回电', message: /not a phone number: 请回电/ },
  { index: 404, field: 'building', value: '99号楼', message: /no building 99号楼 in .+ in the address book/ },
  { index: 505, field: 'community', value: '不存在的小区', message: /no community 不存在的小区 in the address book/ },
  { index: 606, field: 'ticket', value: '', message: /^empty$/ },
  { index: 707, field: 'room', value: '', message: /^empty$/ },
  { index: 808, field: 'ticket', value: 'GD2026000001', message: /ticket GD2026000001 is already in row 2/ },
  { index: 909, field: 'words', value: '冷'.repeat(4001), message: /longer than 4000 characters/ },
];

/** The rows with the ten bad ones put in (a copy). */
export function withBadRows(rows: readonly ExportRow[]): ExportRow[] {
  const broken = rows.map((r) => ({ ...r }));
  for (const bad of BAD_ROWS) broken[bad.index][bad.field] = bad.value;
  return broken;
}

let gbTable: Map<string, number> | undefined;

/** Text as GB18030 bytes (ASCII and the two-byte GBK range: every character a ticket export holds). */
export function encodeGb18030(text: string): Uint8Array {
  if (!gbTable) {
    gbTable = new Map();
    const decoder = new TextDecoder('gb18030');
    for (let lead = 0x81; lead <= 0xfe; lead++) {
      for (let trail = 0x40; trail <= 0xfe; trail++) {
        if (trail === 0x7f) continue;
        const ch = decoder.decode(new Uint8Array([lead, trail]));
        if (ch.length === 1 && !gbTable.has(ch)) gbTable.set(ch, (lead << 8) | trail);
      }
    }
  }
  const bytes: number[] = [];
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    if (code < 0x80) bytes.push(code);
    else {
      const gb = gbTable.get(ch);
      if (gb === undefined) throw new Error(`no two-byte GB18030 code for ${ch}`);
      bytes.push(gb >> 8, gb & 0xff);
    }
  }
  return new Uint8Array(bytes);
}
