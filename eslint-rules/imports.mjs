// What a module imports, for the rules that follow imports beyond the file being linted.
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/** The repository root: rules resolve `@/` and relative specifiers against it, whatever the working directory. */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const posix = (p) => p.split(path.sep).join('/');

/** The repository path a specifier of ours points to (no extension added), or null for a package. */
export function resolveSpecifier(fromFile, spec) {
  let abs;
  if (spec.startsWith('./') || spec.startsWith('../') || spec === '.' || spec === '..') abs = path.resolve(path.dirname(fromFile), spec);
  else if (spec.startsWith('@/')) abs = path.join(ROOT, spec.slice(2));
  else return null;
  const rel = posix(path.relative(ROOT, abs));
  return rel.startsWith('../') || rel === '..' ? null : rel;
}

/** The first folder of a repository path (`core/tenancy/context` → `core`). */
export const topFolder = (repoPath) => repoPath.split('/')[0];

/** The repository path of a file being linted, or null when it lies outside the repository. */
export function repoPathOf(file) {
  const rel = posix(path.relative(ROOT, file));
  return rel.startsWith('../') ? null : rel;
}

const EXTENSIONS = ['', '.ts', '.tsx', '.mts', '.mjs', '.js', '/index.ts', '/index.tsx'];

/** The file a resolved repository path names, as the bundler would find it, or null. */
export function fileOf(repoPath) {
  for (const ext of EXTENSIONS) {
    const abs = path.join(ROOT, repoPath + ext);
    if (existsSync(abs) && statSync(abs).isFile()) return abs;
  }
  return null;
}

const isTypeOnlyList = (elements) => elements.length > 0 && elements.every((e) => e.isTypeOnly);

/**
 * Every module a source text imports: static imports and re-exports, `import x = require()`,
 * dynamic `import()` and `require()` with a literal specifier. `typeOnly` marks what TypeScript
 * erases (`import type`, or only `type` specifiers), which puts no code in a bundle.
 */
export function scanImports(fileName, text) {
  const kind = fileName.endsWith('x') ? ts.ScriptKind.TSX : ts.ScriptKind.TS;
  const sf = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, false, kind);
  const out = [];
  const visit = (node) => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const c = node.importClause;
      const named = c?.namedBindings && ts.isNamedImports(c.namedBindings) ? c.namedBindings.elements : null;
      out.push({ spec: node.moduleSpecifier.text, typeOnly: !!c && (c.isTypeOnly || (!c.name && !!named && isTypeOnlyList(named))) });
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      const named = node.exportClause && ts.isNamedExports(node.exportClause) ? node.exportClause.elements : null;
      out.push({ spec: node.moduleSpecifier.text, typeOnly: node.isTypeOnly || (!!named && isTypeOnlyList(named)) });
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference) && ts.isStringLiteral(node.moduleReference.expression)) {
      out.push({ spec: node.moduleReference.expression.text, typeOnly: node.isTypeOnly });
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      out.push({ spec: node.argument.literal.text, typeOnly: true });
    } else if (
      ts.isCallExpression(node) &&
      (node.expression.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(node.expression) && node.expression.text === 'require')) &&
      node.arguments[0] &&
      ts.isStringLiteralLike(node.arguments[0])
    ) {
      out.push({ spec: node.arguments[0].text, typeOnly: false });
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

const cache = new Map();

/** `scanImports` of a file on disk, read once per process. */
export function importsOfFile(abs) {
  let hit = cache.get(abs);
  if (!hit) {
    hit = scanImports(abs, readFileSync(abs, 'utf8'));
    cache.set(abs, hit);
  }
  return hit;
}

/**
 * The import-like nodes of the file being linted, as ESLint sees them: calls `onImport(node, spec, typeOnly)`
 * for each one with a literal specifier, and `onComputed(node)` for `import(expr)` / `require(expr)`.
 */
export function importVisitors(onImport, onComputed = () => {}) {
  const literal = (n) => (n?.type === 'Literal' && typeof n.value === 'string' ? n.value : n?.type === 'TemplateLiteral' && n.expressions.length === 0 ? n.quasis[0].value.cooked : null);
  const typeOnlySpecifiers = (specifiers, kindOf) => specifiers.length > 0 && specifiers.every((s) => kindOf(s) === 'type');
  const dynamic = (node, arg) => {
    const spec = literal(arg);
    if (spec === null) onComputed(node);
    else onImport(node, spec, false);
  };
  return {
    ImportDeclaration(node) {
      const defaultOrNamespace = node.specifiers.some((s) => s.type !== 'ImportSpecifier');
      const typeOnly = node.importKind === 'type' || (!defaultOrNamespace && typeOnlySpecifiers(node.specifiers, (s) => s.importKind));
      onImport(node, node.source.value, typeOnly);
    },
    ExportNamedDeclaration(node) {
      if (node.source) onImport(node, node.source.value, node.exportKind === 'type' || typeOnlySpecifiers(node.specifiers, (s) => s.exportKind));
    },
    ExportAllDeclaration(node) {
      onImport(node, node.source.value, node.exportKind === 'type');
    },
    TSImportEqualsDeclaration(node) {
      if (node.moduleReference.type === 'TSExternalModuleReference') onImport(node, node.moduleReference.expression.value, node.importKind === 'type');
    },
    TSImportType(node) {
      const spec = literal(node.source ?? node.argument?.literal);
      if (spec !== null) onImport(node, spec, true);
    },
    ImportExpression(node) {
      dynamic(node, node.source);
    },
    CallExpression(node) {
      if (node.callee.type === 'Identifier' && node.callee.name === 'require' && node.arguments.length > 0) dynamic(node, node.arguments[0]);
    },
  };
}
