import type { TypeNode } from 'graphql';
import { errorFromGraphQL } from '../client';
import type { Command } from '../command';
import { EXIT, usageError, type ExitCode } from '../exit-codes';
import { readStdin } from '../prompt';

/**
 * Variable types as the document declares them, or null when it does not parse
 * locally (the server then reports the syntax error with its own code).
 */
async function declaredVariables(query: string): Promise<Map<string, TypeNode> | null> {
  // graphql-js is only needed for --var; loading it costs startup time otherwise.
  const { parse } = await import('graphql');
  try {
    const vars = new Map<string, TypeNode>();
    for (const def of parse(query).definitions) {
      if (def.kind !== 'OperationDefinition') continue;
      for (const v of def.variableDefinitions ?? []) vars.set(v.variable.name.value, v.type);
    }
    return vars;
  } catch {
    return null;
  }
}

function parseJson(raw: string, what: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    throw usageError(`${what} is not valid JSON: ${raw}`);
  }
}

/**
 * `--var name=value` gives text; the declared type says what JSON value to send
 * (`--var first=5` must arrive as 5 for an Int). Strings, IDs and enums stay text.
 */
export function coerceVariable(name: string, raw: string, type: TypeNode | undefined): unknown {
  const flag = `--var ${name}`;
  if (!type) return raw;
  const nonNull = type.kind === 'NonNullType';
  const inner = nonNull ? type.type : type;
  if (inner.kind === 'ListType') {
    const v = parseJson(raw, flag);
    if (!Array.isArray(v) && !(v === null && !nonNull)) throw usageError(`${flag}: $${name} is a list; pass a JSON array, e.g. ${name}='["a","b"]'`);
    return v;
  }
  const typeName = inner.kind === 'NamedType' ? inner.name.value : '';
  if (typeName === 'String' || typeName === 'ID') return raw;
  if (!nonNull && raw === 'null') return null;
  switch (typeName) {
    case 'Int':
      if (!/^-?\d+$/.test(raw) || !Number.isSafeInteger(Number(raw))) throw usageError(`${flag}: $${name} is an Int; "${raw}" is not an integer.`);
      return Number(raw);
    case 'Float':
      if (raw.trim() === '' || !Number.isFinite(Number(raw))) throw usageError(`${flag}: $${name} is a Float; "${raw}" is not a number.`);
      return Number(raw);
    case 'Boolean':
      if (raw !== 'true' && raw !== 'false') throw usageError(`${flag}: $${name} is a Boolean; use true or false.`);
      return raw === 'true';
    default:
      // Input objects arrive as JSON; enums and custom scalars (DateTime) as text.
      return /^\s*[{[]/.test(raw) ? parseJson(raw, flag) : raw;
  }
}

export async function buildVariables(query: string, vars: string[], variablesJson: string | undefined): Promise<Record<string, unknown>> {
  let variables: Record<string, unknown> = {};
  if (variablesJson !== undefined) {
    const v = parseJson(variablesJson, '--variables');
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw usageError(`--variables must be a JSON object, e.g. '{"id":"team_123"}'.`);
    variables = { ...(v as Record<string, unknown>) };
  }
  if (vars.length === 0) return variables;
  const declared = await declaredVariables(query);
  for (const pair of vars) {
    const eq = pair.indexOf('=');
    const name = (eq === -1 ? pair : pair.slice(0, eq)).replace(/^\$/, '');
    if (eq === -1 || !/^[_A-Za-z][_0-9A-Za-z]*$/.test(name)) throw usageError(`--var expects name=value, got "${pair}".`);
    if (declared && !declared.has(name)) {
      throw usageError(`--var ${name}: the query declares no $${name}.`, `Declare it, e.g. query ($${name}: String!) { … }`);
    }
    variables[name] = coerceVariable(name, pair.slice(eq + 1), declared?.get(name));
  }
  return variables;
}

export const graphql: Command = {
  name: 'graphql',
  summary: 'Run a GraphQL query or mutation and print the data',
  usage: `gantry graphql QUERY [--var name=value ...] [--variables JSON] [--url URL] [--json]`,
  help: `Sends QUERY to <url>/api/graphql with the stored key (or GANTRY_API_KEY) and prints
the data as JSON. QUERY '-' reads the document from standard input. Errors go to
stderr with their code; the exit code says what kind of error it was. Partial data
is still printed when some fields failed.

  --var name=value   set $name; converted to the type the query declares (Int, Float,
                     Boolean; lists and input objects as JSON). Repeatable.
  --variables JSON   all variables as one JSON object; --var entries override it.

The schema is in graphql/schema.graphql in the Gantry repository.

Examples:
  gantry graphql '{ teams { edges { node { id name } } } }'
  gantry graphql 'query ($id: ID!) { team(id: $id) { name members { user { email } } } }' --var id=team_123
  gantry graphql 'mutation ($i: CreateTeamInput!) { createTeam(input: $i) { id } }' --variables '{"i":{"name":"Vision"}}'
  gantry graphql - --json < query.graphql`,
  options: { var: { type: 'string', multiple: true }, variables: { type: 'string' } },
  args: [{ name: 'QUERY', required: true }],
  async run(ctx, { values, positionals }): Promise<ExitCode | void> {
    let query = positionals[0]!;
    if (query === '-') query = await readStdin(ctx.stdin);
    if (query.trim() === '') throw usageError('The query is empty.');
    const variables = await buildVariables(query, (values.var as string[] | undefined) ?? [], values.variables as string | undefined);

    const target = ctx.target();
    // Without a key the request still goes out: some fields (invitationPreview) need no sign-in.
    const res = await ctx.client(target).request(query, variables);
    if (res.data !== undefined && res.data !== null) {
      ctx.out.result(JSON.stringify(res.data, null, 2), { data: res.data });
    }
    if (res.errors.length === 0) return EXIT.OK;
    const errors = res.errors.map((e) => errorFromGraphQL(res, e));
    errors.forEach((e, i) => ctx.out.error(e, { withHint: i === 0 }));
    return errors[0]!.exitCode;
  },
};
