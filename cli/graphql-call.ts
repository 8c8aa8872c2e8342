import { errorFromGraphQL } from './client';
import type { Context } from './command';
import { notLoggedIn } from './config';
import { CliError, EXIT } from './exit-codes';

/** One GraphQL operation with the stored or environment key; any error in the answer is thrown as the CLI maps it. */
export async function callGraphQL<T>(ctx: Context, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const target = ctx.target();
  if (!target.apiKey) throw notLoggedIn(target);
  const client = ctx.client(target);
  const res = await client.request<T>(query, variables);
  if (res.errors.length > 0) throw errorFromGraphQL(res);
  if (res.data == null) throw new CliError('BAD_RESPONSE', `${client.endpoint} answered without data.`, EXIT.INTERNAL);
  return res.data;
}
