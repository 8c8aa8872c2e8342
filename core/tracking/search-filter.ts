import { z } from 'zod';
import { AppError } from '../errors';

/**
 * The typed form of a run (or experiment) search: what GraphQL takes directly
 * and what MLflow's filter strings (`metrics.acc > 0.9 and params.lr = '0.01'`)
 * parse into. Clauses are AND-ed; MLflow has no OR.
 */
export const FILTER_ENTITIES = ['metric', 'param', 'tag', 'attribute', 'dataset'] as const;
export const FILTER_OPS = ['=', '!=', '<', '<=', '>', '>=', 'LIKE', 'ILIKE', 'IN', 'NOT IN', 'IS NULL', 'IS NOT NULL'] as const;
export type FilterEntity = (typeof FILTER_ENTITIES)[number];
export type FilterOp = (typeof FILTER_OPS)[number];

export const filterClauseSchema = z.object({
  entity: z.enum(FILTER_ENTITIES),
  key: z.string().min(1, 'Filter key is required').max(250),
  op: z.enum(FILTER_OPS),
  value: z.union([z.string().max(8000), z.number(), z.array(z.string().max(8000)).max(1000), z.null()]).default(null),
});
export type FilterClause = z.infer<typeof filterClauseSchema>;

export const orderBySchema = z.object({
  entity: z.enum(['metric', 'param', 'tag', 'attribute']),
  key: z.string().min(1).max(250),
  ascending: z.boolean().default(false),
});
export type OrderBy = z.infer<typeof orderBySchema>;

const ENTITY_PREFIXES: Record<string, FilterEntity> = {
  metric: 'metric',
  metrics: 'metric',
  param: 'param',
  params: 'param',
  parameter: 'param',
  parameters: 'param',
  tag: 'tag',
  tags: 'tag',
  attribute: 'attribute',
  attributes: 'attribute',
  attr: 'attribute',
  run: 'attribute',
  dataset: 'dataset',
  datasets: 'dataset',
};

type Token =
  | { t: 'ident'; v: string }
  | { t: 'string'; v: string }
  | { t: 'number'; v: number }
  | { t: 'op'; v: string }
  | { t: 'punct'; v: '(' | ')' | ',' };

const bad = (message: string) => new AppError('BAD_USER_INPUT', message, { fields: [{ path: 'filter', message }] });

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === "'" || c === '"' || c === '`') {
      const end = src.indexOf(c, i + 1);
      if (end < 0) throw bad(`Unterminated quote at position ${i} in the filter`);
      const v = src.slice(i + 1, end);
      // A quoted name is part of an identifier (`metrics."my acc"`) when glued to a dot; otherwise it is a value.
      const prev = out.at(-1);
      if (prev?.t === 'ident' && prev.v.endsWith('.')) prev.v += v;
      else if (c === '`') out.push({ t: 'ident', v });
      else out.push({ t: 'string', v });
      i = end + 1;
    } else if (c === '(' || c === ')' || c === ',') {
      out.push({ t: 'punct', v: c });
      i++;
    } else if ('=!<>'.includes(c)) {
      const two = src.slice(i, i + 2);
      if (['!=', '<=', '>=', '<>', '=='].includes(two)) {
        out.push({ t: 'op', v: two === '<>' ? '!=' : two === '==' ? '=' : two });
        i += 2;
      } else if (c === '!') {
        throw bad(`Unexpected "!" at position ${i} in the filter`);
      } else {
        out.push({ t: 'op', v: c });
        i++;
      }
    } else if (/[-+0-9.]/.test(c) && /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?/.test(src.slice(i)) && !(out.at(-1)?.t === 'ident' && !/\s/.test(src[i - 1] ?? ' '))) {
      const m = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?/.exec(src.slice(i))!;
      out.push({ t: 'number', v: Number(m[0]) });
      i += m[0].length;
    } else {
      const m = /^[A-Za-z0-9_.:/\-]+/.exec(src.slice(i));
      if (!m) throw bad(`Unexpected character "${c}" at position ${i} in the filter`);
      const prev = out.at(-1);
      if (prev?.t === 'ident' && prev.v.endsWith('.') && src[i - 1] !== ' ') prev.v += m[0];
      else out.push({ t: 'ident', v: m[0] });
      i += m[0].length;
    }
  }
  return out;
}

function splitIdentifier(raw: string): { entity: FilterEntity; key: string } {
  const dot = raw.indexOf('.');
  if (dot < 0) return { entity: 'attribute', key: raw };
  const entity = ENTITY_PREFIXES[raw.slice(0, dot).toLowerCase()];
  if (!entity) throw bad(`Invalid entity type "${raw.slice(0, dot)}" in the filter: use metrics., params., tags., attributes. or datasets.`);
  const key = raw.slice(dot + 1);
  if (!key) throw bad(`Missing key after "${raw}" in the filter`);
  return { entity, key };
}

/** Parses MLflow's search filter grammar into typed clauses. */
export function parseFilterString(filter: string | null | undefined): FilterClause[] {
  if (!filter || !filter.trim()) return [];
  if (filter.length > 10_000) throw bad('The filter is too long');
  const tokens = tokenize(filter);
  const clauses: FilterClause[] = [];
  let i = 0;
  const peekWord = (k = 0) => {
    const t = tokens[i + k];
    return t?.t === 'ident' ? t.v.toUpperCase() : null;
  };
  while (i < tokens.length) {
    const id = tokens[i];
    if (id?.t !== 'ident') throw bad(`Expected a name like metrics.accuracy in the filter, got "${id ? String(id.v) : 'end of filter'}"`);
    const { entity, key } = splitIdentifier(id.v);
    i++;
    let op: FilterOp;
    const opTok = tokens[i];
    if (opTok?.t === 'op') {
      op = opTok.v as FilterOp;
      i++;
    } else if (peekWord() === 'LIKE' || peekWord() === 'ILIKE' || peekWord() === 'IN') {
      op = peekWord() as FilterOp;
      i++;
    } else if (peekWord() === 'NOT' && peekWord(1) === 'IN') {
      op = 'NOT IN';
      i += 2;
    } else if (peekWord() === 'IS' && peekWord(1) === 'NULL') {
      op = 'IS NULL';
      i += 2;
    } else if (peekWord() === 'IS' && peekWord(1) === 'NOT' && peekWord(2) === 'NULL') {
      op = 'IS NOT NULL';
      i += 3;
    } else {
      throw bad(`Expected a comparison operator after "${id.v}" in the filter`);
    }
    let value: FilterClause['value'] = null;
    if (op === 'IN' || op === 'NOT IN') {
      if (tokens[i]?.t !== 'punct' || tokens[i]!.v !== '(') throw bad(`Expected "(" after ${op} in the filter`);
      i++;
      const list: string[] = [];
      for (;;) {
        const v = tokens[i];
        if (v?.t !== 'string') throw bad(`Expected a quoted string in the ${op} list of the filter`);
        list.push(v.v);
        i++;
        const sep = tokens[i];
        i++;
        if (sep?.t === 'punct' && sep.v === ')') break;
        if (!(sep?.t === 'punct' && sep.v === ',')) throw bad(`Expected "," or ")" in the ${op} list of the filter`);
      }
      value = list;
    } else if (op !== 'IS NULL' && op !== 'IS NOT NULL') {
      const v = tokens[i];
      if (v?.t === 'string' || v?.t === 'number') value = v.v;
      else throw bad(`Expected a value after "${id.v} ${op}" in the filter`);
      i++;
    }
    clauses.push({ entity, key, op, value });
    if (i < tokens.length) {
      if (peekWord() !== 'AND') throw bad(`Expected AND between conditions in the filter${peekWord() === 'OR' ? ' (OR is not supported)' : ''}`);
      i++;
      if (i >= tokens.length) throw bad('The filter ends with AND');
    }
  }
  return clauses;
}

/** Parses `metrics.acc DESC`, `attributes.start_time`, `params.lr ASC`. */
export function parseOrderBy(clause: string): OrderBy {
  const m = /^\s*(.+?)(?:\s+(ASC|DESC))?\s*$/i.exec(clause);
  if (!m) throw bad(`Invalid order_by clause "${clause}"`);
  let ident = m[1]!.trim();
  ident = ident.replace(/^([A-Za-z]+)\.[`"'](.*)[`"']$/, '$1.$2').replace(/^[`"'](.*)[`"']$/, '$1');
  const { entity, key } = splitIdentifier(ident);
  if (entity === 'dataset') throw bad('Runs cannot be ordered by datasets');
  return { entity, key, ascending: (m[2] ?? 'ASC').toUpperCase() === 'ASC' };
}
