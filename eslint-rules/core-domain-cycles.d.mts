import type { Rule } from 'eslint';

/** from domain → to domain → the production files of `from` that import `to`. */
export function coreDomainGraph(): Map<string, Map<string, Set<string>>>;
export function pathBetween(start: string, goal: string, next: (domain: string) => Iterable<string>): string[] | null;
export function domainOf(repoPath: string): string | null;
declare const rule: Rule.RuleModule;
export default rule;
