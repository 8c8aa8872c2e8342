/**
 * CSV as RFC 4180 writes it (what pandas' `to_csv` produces): comma-separated, fields optionally in
 * double quotes with `""` for a quote inside, CRLF or LF line ends. The first row is the header.
 * Pure; the caller bounds the input's size.
 */
export interface CsvTable {
  columns: string[];
  rows: string[][];
}

export function parseCsv(text: string): CsvTable {
  const records: string[][] = [];
  let field = '';
  let record: string[] = [];
  let quoted = false;
  let i = 0;
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const endRecord = () => {
    record.push(field);
    field = '';
    // pandas writes no blank lines; a trailing newline leaves one empty record, which is dropped.
    if (!(record.length === 1 && record[0] === '')) records.push(record);
    record = [];
  };
  while (i < body.length) {
    const ch = body[i]!;
    if (quoted) {
      if (ch === '"') {
        if (body[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
      } else field += ch;
      i++;
      continue;
    }
    if (ch === '"' && field === '') quoted = true;
    else if (ch === ',') {
      record.push(field);
      field = '';
    } else if (ch === '\n') endRecord();
    else if (ch !== '\r') field += ch;
    i++;
  }
  if (field !== '' || record.length) endRecord();
  const [header, ...rows] = records;
  if (!header) return { columns: [], rows: [] };
  return { columns: header, rows };
}
