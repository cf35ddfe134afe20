/**
 * What a built-in gate reports, and the defensive JSON readers the gates share: predicates are
 * signed but arbitrary JSON, so every field is read as unknown and checked before use.
 */

export interface Finding {
  id: string;
  ok: boolean;
  reason: string;
  expected?: string;
  actual?: string;
}

type Json = Record<string, unknown>;
export const obj = (v: unknown): Json | undefined =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : undefined;
export const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
export const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

export function opt<K extends string>(k: K, v: string | undefined): Partial<Record<K, string>> {
  return v === undefined ? {} : ({ [k]: v } as Record<K, string>);
}
