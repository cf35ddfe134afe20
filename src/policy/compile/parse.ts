/**
 * Policy text to a schema-checked document: YAML or JSON (one parser, so positions work for both),
 * then the zod schema. Problems at this stage end compilation: later checks need a valid document.
 */
import { LineCounter, parseDocument } from 'yaml';
import { type PolicyDocument, policySchema } from '../schema.js';
import { schemaHint, unknownKeyHint } from './hints.js';
import { Issues } from './issues.js';
import type { PolicyIssue } from './types.js';

/** Alias uses a policy may make (the yaml package's own default); a policy needs few, if any. */
const MAX_ALIAS_COUNT = 100;

/** The valid document with an issue collector for the checks that follow, or the problems found. */
export function parsePolicy(
  text: string,
): { policy: PolicyDocument; issues: Issues } | { failed: PolicyIssue[] } {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0)
    return {
      failed: doc.errors.map((e) => {
        const pos = lines.linePos(e.pos[0]);
        return { path: '', line: pos.line, column: pos.col, message: e.message.split('\n')[0] ?? e.message };
      }),
    };

  // Building the document expands aliases; the yaml package refuses a document whose aliases expand
  // too far (a billion-laughs bomb) by throwing, which here is one more problem in the file.
  let plain: unknown;
  try {
    plain = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (e) {
    return {
      failed: [
        {
          path: '',
          message: `the YAML cannot be expanded: ${(e as Error).message.split('\n')[0]} (at most ${MAX_ALIAS_COUNT} alias uses)`,
        },
      ],
    };
  }
  const issues = new Issues(doc, lines);
  const parsed = policySchema.safeParse(plain);
  if (parsed.success) return { policy: parsed.data, issues };
  for (const i of parsed.error.issues) {
    if (i.code === 'unrecognized_keys') {
      for (const k of i.keys) issues.add(i.path, `unknown key "${k}"`, unknownKeyHint(k), k);
    } else {
      issues.add(i.path, i.message, schemaHint(i.path));
    }
  }
  return { failed: issues.list };
}
