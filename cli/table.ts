/** Left-aligned columns separated by two spaces; the first row is the header. */
export function formatTable(rows: string[][]): string {
  if (rows.length === 0) return '';
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ').trimEnd()).join('\n');
}

/** Times as the server sends them (ISO 8601), shortened to the minute for tables. */
export const shortTime = (iso: string | null | undefined) => (iso ? iso.replace('T', ' ').slice(0, 16) : '-');
