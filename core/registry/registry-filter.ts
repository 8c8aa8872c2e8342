import { and, asc, desc, eq, ilike, inArray, like, ne, sql, type AnyColumn, type SQL } from 'drizzle-orm';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
import { AppError } from '../errors';
import { parseFilterString, type FilterClause } from '../tracking/search-filter';

const bad = (m: string) => new AppError('BAD_USER_INPUT', m);

export interface FilterTarget {
  /** Filterable attributes by their MLflow name. */
  attributes: Record<string, AnyColumn>;
  /** The tag table of the entity and its columns, for `tags.<key> <op> '<value>'`. */
  tags: { table: PgTable; ownerColumn: PgColumn; keyColumn: PgColumn; valueColumn: PgColumn; ownerId: AnyColumn };
}

function compare(column: AnyColumn, c: FilterClause): SQL {
  const v = c.value;
  switch (c.op) {
    case '=':
      return eq(column, v as string);
    case '!=':
      return ne(column, v as string);
    case 'LIKE':
      return like(column, String(v));
    case 'ILIKE':
      return ilike(column, String(v));
    case 'IN':
      return inArray(column, v as string[]);
    default:
      throw bad(`The operator ${c.op} is not supported for '${c.key}' in registry searches: use =, !=, LIKE, ILIKE or IN`);
  }
}

/**
 * MLflow's registry filter (`name LIKE '%x%'`, `name = 'x'`, `run_id = '…'`,
 * `tags.k = 'v'`) as bound SQL on a closed list of columns. The grammar is
 * tracking's, so both searches reject the same malformed strings.
 */
export function registryFilterSql(filter: string | null | undefined, target: FilterTarget): SQL | undefined {
  const clauses = parseFilterString(filter);
  const parts: SQL[] = [];
  for (const c of clauses) {
    if (c.entity === 'tag') {
      const t = target.tags;
      // `tags.k != 'v'` also matches entities without the tag, which is what the mlflow
      // client's own `tags.mlflow.prompt.is_prompt != 'true'` relies on to list plain models.
      if (c.op === '!=') {
        parts.push(sql`not exists (select 1 from ${t.table} where ${t.ownerColumn} = ${t.ownerId} and ${t.keyColumn} = ${c.key} and ${t.valueColumn} = ${String(c.value)})`);
        continue;
      }
      parts.push(sql`exists (select 1 from ${t.table} where ${t.ownerColumn} = ${t.ownerId} and ${t.keyColumn} = ${c.key} and ${compare(t.valueColumn, c)})`);
      continue;
    }
    if (c.entity !== 'attribute') throw bad(`Registry searches filter on attributes and tags only, not ${c.entity}s`);
    const column = target.attributes[c.key];
    if (!column) throw bad(`Invalid attribute '${c.key}' in the filter: use ${Object.keys(target.attributes).join(', ')} or tags.<key>`);
    if (typeof c.value === 'number') parts.push(compare(column, { ...c, value: String(c.value) }));
    else parts.push(compare(column, c));
  }
  return parts.length ? and(...parts) : undefined;
}

/** `name ASC`, `last_updated_timestamp DESC`… over a closed list of columns. */
export function registryOrderSql(orderBy: string[], columns: Record<string, AnyColumn>): SQL[] {
  return orderBy.map((o) => {
    const m = /^\s*([A-Za-z_.]+)\s*(ASC|DESC)?\s*$/i.exec(o);
    const key = m?.[1]?.replace(/^attributes?\./, '');
    const column = key ? columns[key] : undefined;
    if (!column) throw bad(`Invalid order_by clause '${o.slice(0, 100)}': order by ${Object.keys(columns).join(', ')}`);
    return m?.[2]?.toUpperCase() === 'DESC' ? desc(column) : asc(column);
  });
}
