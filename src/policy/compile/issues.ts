/**
 * Collects every problem in a policy, each placed at its line and column in the text as written, so
 * one run of `policy validate` lists them all instead of stopping at the first.
 */
import { type Document, isMap, isScalar, type LineCounter } from 'yaml';
import { compileRegExp, type FullMatch } from '../regexp.js';
import type { PolicyIssue } from './types.js';

export type DocPath = ReadonlyArray<PropertyKey>;

export class Issues {
  readonly list: PolicyIssue[] = [];

  constructor(
    private readonly doc: Document,
    private readonly lines: LineCounter,
  ) {}

  get count(): number {
    return this.list.length;
  }

  /** Position of a node (or of one key in a map); a missing node is placed at its nearest ancestor. */
  at(path: DocPath, key?: string): { line?: number; column?: number } {
    let node: unknown = this.doc.getIn(path as unknown[], true);
    if (key !== undefined && isMap(node)) {
      node = node.items.find((p) => isScalar(p.key) && p.key.value === key)?.key ?? node;
    }
    for (let n = path.length; node === undefined && n > 0; n--)
      node = this.doc.getIn(path.slice(0, n - 1) as unknown[], true);
    const range = (node as { range?: [number, number, number] } | undefined)?.range;
    if (!range) return {};
    const p = this.lines.linePos(range[0]);
    return { line: p.line, column: p.col };
  }

  add(path: DocPath, message: string, hint?: string, key?: string): void {
    this.list.push({
      path: [...path, ...(key ? [key] : [])].map(String).join('.'),
      ...this.at(path, key),
      message,
      ...(hint ? { hint } : {}),
    });
  }

  /** An issue whose position was worked out by the caller (CEL errors point inside the expression). */
  push(issue: PolicyIssue): void {
    this.list.push(issue);
  }

  /** A policy regexp compiled, or an issue recorded at `path` and undefined. */
  regexp(path: DocPath, pattern: string): FullMatch | undefined {
    const r = compileRegExp(pattern);
    if ('error' in r) {
      this.add(
        path,
        `not a valid RE2 regular expression: ${r.error}`,
        'policy regexps use RE2 syntax (as Go and cosign), matched against the whole value',
      );
      return undefined;
    }
    return r.regexp;
  }
}
