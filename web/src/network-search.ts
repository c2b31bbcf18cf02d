// Finding a substation as operators do: by its Chinese name (实验中学), its English name, the
// pinyin initials of its name (syzx; the server computes them) or its id.

export interface Searchable {
  id: string;
  name?: string;
  name_en?: string;
  initials?: string;
}

/** The query as matched: trimmed, lower case; empty matches everything. */
export const normalQuery = (query: string): string => query.trim().toLowerCase();

/** Whether a substation matches a query already passed through normalQuery. */
export function matchesQuery(s: Searchable, q: string): boolean {
  if (!q) return true;
  return (
    s.id.toLowerCase().includes(q) ||
    (s.name?.toLowerCase().includes(q) ?? false) ||
    (s.name_en?.toLowerCase().includes(q) ?? false) ||
    (s.initials?.includes(q.replace(/\s+/g, '')) ?? false)
  );
}

/** The name in the language chosen: the English form when there is one and English is on; else the name, else the id. */
export function displayName(s: Omit<Searchable, 'id'> | undefined, id: string, lang: string): string {
  return (lang === 'en' ? s?.name_en : undefined) ?? s?.name ?? id;
}
