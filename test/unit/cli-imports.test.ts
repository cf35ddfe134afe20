/**
 * The CLI is a client of the library: every name a file under src/cli imports from outside src/cli
 * (statically, through `await import`, or as `import('…').T`) must be exported by src/index.ts, and
 * be the same declaration there. A Node program (a GitHub Action, a deploy tool) can then make every
 * call the CLI makes. Namespace imports of library modules are refused: they would hide which names
 * are used.
 */
import { readdirSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';
import { describe, expect, test } from 'vitest';
import { repoRoot } from '../support/repo-root.js';

const ROOT = repoRoot();
const CLI = join(ROOT, 'src', 'cli');
const INDEX = join(ROOT, 'src', 'index.ts');

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  const stack = [dir];
  while (stack.length > 0) {
    const d = stack.pop()!;
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) stack.push(join(d, e.name));
      else if (e.name.endsWith('.ts')) out.push(join(d, e.name));
    }
  }
  return out.sort();
}

interface Use {
  file: string;
  module: string;
  /** undefined: a namespace import (`import * as x`, or `await import()` kept whole). */
  name: string | undefined;
}

/** Every (module, name) a file takes from a module specifier. */
function usesOf(sf: ts.SourceFile): Use[] {
  const uses: Use[] = [];
  const file = relative(ROOT, sf.fileName);
  const add = (module: string, name: string | undefined) => uses.push({ file, module, name });
  const namesOfPattern = (p: ts.BindingName): Array<string | undefined> =>
    ts.isObjectBindingPattern(p)
      ? p.elements.map((e) => (e.propertyName ?? e.name).getText(sf))
      : [undefined];
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const m = node.moduleSpecifier.text;
      const c = node.importClause;
      if (c?.name) add(m, 'default');
      if (c?.namedBindings && ts.isNamespaceImport(c.namedBindings)) add(m, undefined);
      if (c?.namedBindings && ts.isNamedImports(c.namedBindings))
        for (const e of c.namedBindings.elements) add(m, (e.propertyName ?? e.name).text);
    } else if (
      ts.isExportDeclaration(node) &&
      node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      const m = node.moduleSpecifier.text;
      const c = node.exportClause;
      if (c && ts.isNamedExports(c)) for (const e of c.elements) add(m, (e.propertyName ?? e.name).text);
      else add(m, undefined);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      const lit = node.argument.literal;
      if (ts.isStringLiteral(lit)) add(lit.text, node.qualifier?.getText(sf).split('.')[0]);
    } else if (ts.isVariableDeclaration(node) && node.initializer) {
      // const { a } = await import('m');   const [{ a }, { b }] = await Promise.all([import('m'), …]);
      let init: ts.Expression = node.initializer;
      if (ts.isAwaitExpression(init)) init = init.expression;
      const dynamicOf = (e: ts.Expression): string | undefined =>
        ts.isCallExpression(e) &&
        e.expression.kind === ts.SyntaxKind.ImportKeyword &&
        ts.isStringLiteral(e.arguments[0]!)
          ? (e.arguments[0] as ts.StringLiteral).text
          : undefined;
      const single = dynamicOf(init);
      if (single !== undefined) {
        for (const n of namesOfPattern(node.name)) add(single, n);
        return;
      }
      if (
        ts.isCallExpression(init) &&
        init.expression.getText(sf) === 'Promise.all' &&
        init.arguments[0] &&
        ts.isArrayLiteralExpression(init.arguments[0]) &&
        ts.isArrayBindingPattern(node.name)
      ) {
        const mods = init.arguments[0].elements.map(dynamicOf);
        node.name.elements.forEach((el, i) => {
          const m = mods[i];
          if (m === undefined || ts.isOmittedExpression(el)) return;
          for (const n of namesOfPattern(el.name)) add(m, n);
        });
        return;
      }
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      ts.isStringLiteral(node.arguments[0]!)
    ) {
      // A dynamic import whose result is not destructured where it is made: used whole.
      const parent = node.parent;
      const handled =
        (ts.isAwaitExpression(parent) && ts.isVariableDeclaration(parent.parent)) ||
        ts.isArrayLiteralExpression(parent);
      if (!handled) add((node.arguments[0] as ts.StringLiteral).text, undefined);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return uses;
}

/** Whether a specifier leaves src/cli for another file of this repository. */
function libraryModule(fromFile: string, spec: string): string | undefined {
  if (!spec.startsWith('.')) return undefined;
  const target = resolve(dirname(fromFile), spec).replace(/\.js$/, '.ts');
  return target.startsWith(CLI + sep) ? undefined : target;
}

function check(files: string[]): string[] {
  const program = ts.createProgram([INDEX, ...files], {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2023,
    noEmit: true,
    skipLibCheck: true,
    types: [],
  });
  const checker = program.getTypeChecker();
  const real = (s: ts.Symbol): ts.Symbol =>
    s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s;
  const exportsOf = (path: string): Map<string, ts.Symbol> => {
    const sf = program.getSourceFile(path);
    const sym = sf && checker.getSymbolAtLocation(sf);
    return new Map((sym ? checker.getExportsOfModule(sym) : []).map((e) => [e.name, real(e)]));
  };
  const index = exportsOf(INDEX);
  const problems: string[] = [];
  for (const f of files) {
    const sf = program.getSourceFile(f);
    if (!sf) continue;
    for (const u of usesOf(sf)) {
      const target = libraryModule(f, u.module);
      if (!target) continue;
      if (u.name === undefined) {
        problems.push(
          `${u.file}: takes all of ${u.module}; import the names it uses, from what src/index.ts exports`,
        );
        continue;
      }
      const fromModule = exportsOf(target).get(u.name);
      const fromIndex = index.get(u.name);
      if (!fromIndex) problems.push(`${u.file}: ${u.name} from ${u.module} is not exported by src/index.ts`);
      else if (fromModule && fromModule !== fromIndex)
        problems.push(
          `${u.file}: ${u.name} from ${u.module} is another declaration than src/index.ts exports`,
        );
    }
  }
  return problems;
}

describe('the CLI uses only what src/index.ts exports', () => {
  test('every name src/cli takes from the library is exported by src/index.ts', () => {
    expect(check(filesUnder(CLI))).toEqual([]);
  }, 60_000);

  test('the check bites: a name the index does not export is reported', async () => {
    const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
    const dir = mkdtempSync(join(CLI, '.probe-'));
    try {
      const probe = join(dir, 'probe.ts');
      writeFileSync(
        probe,
        "import { skipString } from '../../util/json-span.js';\nimport * as all from '../../errors.js';\nexport const x = [skipString, all];\n",
      );
      const problems = check([probe]);
      expect(problems.some((p) => p.includes('skipString') && p.includes('not exported'))).toBe(true);
      expect(problems.some((p) => p.includes('takes all of ../../errors.js'))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
