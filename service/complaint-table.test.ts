import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { createComplaintTable } from './complaint-table.ts';
import { KPI_GROUPS, kpiIndex } from './kpi-counters.ts';

// A file of the first release kept no schema version and had a KPI index of plain columns per
// grouping and one for the company: opening it makes the indexes of counter pairs, rows kept.
const FIRST_KPI_COLUMNS = 'response_ms, received_at, due_at, resolved_at, closed_at, follow_up_reached, follow_up_satisfied, repeat_of, false_closure, reached_by_order, channel';

describe('complaint table', () => {
  it('migrates a file of the first release to the KPI indexes of counter pairs, and keeps its rows', () => {
    const db = new Database(':memory:');
    createComplaintTable(db);
    // Back to the first release: no version, its KPI indexes.
    db.exec(`DELETE FROM schema_version; ${KPI_GROUPS.map((g) => `DROP INDEX ${kpiIndex(g)}; CREATE INDEX ${kpiIndex(g)} ON complaints (${g}, ${FIRST_KPI_COLUMNS}) WHERE channel <> 'proactive';`).join(' ')}
      CREATE INDEX complaints_kpi_company ON complaints (${FIRST_KPI_COLUMNS}, day) WHERE channel <> 'proactive';
      INSERT INTO complaints (channel, received_at, day, community, building, unit, room, substation, phone, category, words, state, due_at)
        VALUES ('hotline', 0, '1970-01-01', '阳光花园', '1号楼', '', '301', 'S1', '', 'cold_home', '', 'received', 1);`);

    createComplaintTable(db);
    const indexes = new Map((db.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'complaints'").all() as { name: string; sql: string | null }[]).map((r) => [r.name, r.sql]));
    expect(indexes.has('complaints_kpi_company')).toBe(false);
    for (const g of KPI_GROUPS) expect(indexes.get(kpiIndex(g))).toContain('<< 32');
    expect(db.prepare("SELECT version FROM schema_version WHERE component = 'complaints'").pluck().get()).toBe(2);
    expect(db.prepare('SELECT COUNT(*) FROM complaints').pluck().get()).toBe(1);
  });
});
