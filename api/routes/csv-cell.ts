// One cell of a CSV export that people open in a spreadsheet: quoted when it must be, and text
// a spreadsheet would run as a formula (=, +, -, @ first, and not a number) defused with a
// leading apostrophe — a resident's words or a ticket field must never become a formula.

export const csvCell = (value: string | number | boolean | null | undefined): string => {
  const text = value === null || value === undefined ? '' : String(value);
  const safe = /^[=+\-@\t\r]/.test(text) && !Number.isFinite(Number(text)) ? `'${text}` : text;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
};

export const csvLine = (cells: readonly (string | number | boolean | null | undefined)[]): string => `${cells.map(csvCell).join(',')}\n`;
