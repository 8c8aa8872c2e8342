import {
  GraphQLError,
  Kind,
  type ASTVisitor,
  type FieldNode,
  type FragmentDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';
import { DEFAULT_PAGE_SIZE } from './pagination';

export const LIMITS = { maxDepth: 10, maxAliases: 20, maxCost: 5000 } as const;

const tooComplex = (message: string) => new GraphQLError(message, { extensions: { code: 'QUERY_TOO_COMPLEX' } });

interface Walk {
  fragments: Record<string, FragmentDefinitionNode>;
  variables: Record<string, unknown>;
}

/** A paged field multiplies the cost of what is under it by its page size. */
function multiplier(field: FieldNode, w: Walk): number {
  for (const arg of field.arguments ?? []) {
    if (arg.name.value !== 'first') continue;
    if (arg.value.kind === Kind.INT) return Math.max(1, Number(arg.value.value));
    if (arg.value.kind === Kind.VARIABLE) {
      const v = w.variables[arg.value.name.value];
      if (typeof v === 'number') return Math.max(1, v);
    }
  }
  // A connection queried without `first` gets the default page.
  const isConnection = field.selectionSet?.selections.some((s) => s.kind === Kind.FIELD && s.name.value === 'edges');
  return isConnection ? DEFAULT_PAGE_SIZE : 1;
}

function measure(set: SelectionSetNode, w: Walk, depth: number, seen: Set<string>): { depth: number; aliases: number; cost: number } {
  let maxDepth = depth;
  let aliases = 0;
  let cost = 0;
  for (const sel of set.selections) {
    if (sel.kind === Kind.FIELD) {
      if (sel.alias) aliases++;
      cost += 1;
      if (sel.selectionSet) {
        const inner = measure(sel.selectionSet, w, depth + 1, seen);
        maxDepth = Math.max(maxDepth, inner.depth);
        aliases += inner.aliases;
        cost += multiplier(sel, w) * inner.cost;
      }
    } else {
      let inner: SelectionSetNode | undefined;
      if (sel.kind === Kind.INLINE_FRAGMENT) inner = sel.selectionSet;
      else if (!seen.has(sel.name.value)) inner = w.fragments[sel.name.value]?.selectionSet;
      if (!inner) continue;
      const next = sel.kind === Kind.FRAGMENT_SPREAD ? new Set([...seen, sel.name.value]) : seen;
      const r = measure(inner, w, depth, next);
      maxDepth = Math.max(maxDepth, r.depth);
      aliases += r.aliases;
      cost += r.cost;
    }
  }
  return { depth: maxDepth, aliases, cost };
}

/** Depth, alias and cost limits, checked before anything executes. */
export function complexityRule(variables: Record<string, unknown> = {}): ValidationRule {
  return (context: ValidationContext): ASTVisitor => {
    const doc = context.getDocument();
    const fragments: Record<string, FragmentDefinitionNode> = {};
    for (const d of doc.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments[d.name.value] = d;
    return {
      OperationDefinition(op) {
        const r = measure(op.selectionSet, { fragments, variables }, 0, new Set());
        if (r.depth > LIMITS.maxDepth) context.reportError(tooComplex(`Query depth ${r.depth} exceeds the limit of ${LIMITS.maxDepth}`));
        if (r.aliases > LIMITS.maxAliases) context.reportError(tooComplex(`Query uses ${r.aliases} aliases; the limit is ${LIMITS.maxAliases}`));
        if (r.cost > LIMITS.maxCost) context.reportError(tooComplex(`Query cost ${r.cost} exceeds the limit of ${LIMITS.maxCost}`));
      },
    };
  };
}
