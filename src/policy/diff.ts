/**
 * `trustgate policy diff OLD NEW`: the semantic difference between two policies, after parsing and
 * defaults, so that reformatting, key order and comments do not show, and a changed mode or a
 * removed authority does. Lists of named things (rules, attestations, exceptions, conditions) are
 * compared by name, deny entries by their subject; other lists as wholes.
 */
import type { PolicyDocument } from './schema.js';

export interface PolicyChange {
  kind: '+' | '-' | '~';
  path: string;
  before?: unknown;
  after?: unknown;
}

type Keyed = Map<string, unknown>;

function keyOf(item: unknown): string | undefined {
  if (item === null || typeof item !== 'object' || Array.isArray(item)) return undefined;
  const o = item as Record<string, unknown>;
  for (const k of ['name', 'digest', 'subject', 'subjectRegExp', 'issuer'])
    if (typeof o[k] === 'string') return `${o[k]}`;
  return undefined;
}

function keyed(list: unknown[]): Keyed | undefined {
  const m = new Map<string, unknown>();
  for (const item of list) {
    const k = keyOf(item);
    if (k === undefined || m.has(k)) return undefined;
    m.set(k, item);
  }
  return m;
}

const show = (v: unknown) => JSON.stringify(v);

function walk(a: unknown, b: unknown, path: string, out: PolicyChange[]): void {
  if (show(a) === show(b)) return;
  if (a === undefined) return void out.push({ kind: '+', path, after: b });
  if (b === undefined) return void out.push({ kind: '-', path, before: a });
  if (Array.isArray(a) && Array.isArray(b)) {
    const ka = keyed(a);
    const kb = keyed(b);
    if (ka && kb) {
      for (const [k, v] of ka) walk(v, kb.get(k), `${path}[${k}]`, out);
      for (const [k, v] of kb) if (!ka.has(k)) walk(undefined, v, `${path}[${k}]`, out);
      // Order decides too (mostSpecific ties, which exception applies first): report a reordering.
      const common = (m: Keyed, other: Keyed) => [...m.keys()].filter((k) => other.has(k));
      const before = common(ka, kb);
      const after = common(kb, ka);
      if (before.join('\n') !== after.join('\n'))
        out.push({ kind: '~', path: `${path} (order)`, before, after });
      return;
    }
    return void out.push({ kind: '~', path, before: a, after: b });
  }
  const isObj = (v: unknown) => v !== null && typeof v === 'object' && !Array.isArray(v);
  if (isObj(a) && isObj(b)) {
    const ao = a as Record<string, unknown>;
    const bo = b as Record<string, unknown>;
    for (const k of [...new Set([...Object.keys(ao), ...Object.keys(bo)])].sort())
      walk(ao[k], bo[k], path ? `${path}.${k}` : k, out);
    return;
  }
  out.push({ kind: '~', path, before: a, after: b });
}

export function diffPolicies(before: PolicyDocument, after: PolicyDocument): PolicyChange[] {
  const out: PolicyChange[] = [];
  walk(before, after, '', out);
  return out;
}

export function formatChange(c: PolicyChange): string {
  if (c.kind === '+') return `+ ${c.path}: ${show(c.after)}`;
  if (c.kind === '-') return `- ${c.path}: ${show(c.before)}`;
  return `~ ${c.path}: ${show(c.before)} → ${show(c.after)}`;
}
