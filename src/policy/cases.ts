/**
 * `trustgate policy test FILE --cases CASES.yaml`, like `kyverno test`: each case names an image (a
 * registry reference or an OCI layout, relative to the cases file) and the decision it must get.
 */
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { TrustgateError } from '../errors.js';
import { parseImageName } from '../reference/name.js';
import { MAX_INPUT_FILE_BYTES, readInputFile } from '../util/safe-fs.js';
import type { PolicyDecision } from './evaluate.js';
import { buildPolicyVerifiers, type GatherOptions } from './gather.js';
import type { CompiledPolicy } from './load.js';
import { evaluateImages } from './run.js';

const casesSchema = z.strictObject({
  cases: z
    .array(
      z.strictObject({
        name: z.string().min(1),
        image: z.string().min(1),
        /** For an OCI layout: the registry/repository it stands for, normalised as --image-name is. */
        imageName: z.string().optional(),
        effectiveTime: z.iso.datetime({ offset: true }).optional(),
        expect: z.enum(['allow', 'deny', 'warn']),
      }),
    )
    .min(1),
});

export interface CaseResult {
  name: string;
  image: string;
  expected: 'allow' | 'deny' | 'warn';
  actual: 'allow' | 'deny' | 'warn';
  ok: boolean;
  decision: PolicyDecision;
}

export function outcome(d: PolicyDecision): 'allow' | 'deny' | 'warn' {
  return d.decision === 'deny' ? 'deny' : d.status === 'warn' ? 'warn' : 'allow';
}

export async function runPolicyCases(
  policy: CompiledPolicy,
  casesFile: string,
  options: GatherOptions = {},
): Promise<CaseResult[]> {
  let raw: unknown;
  try {
    raw = parse(readInputFile(casesFile, MAX_INPUT_FILE_BYTES).toString('utf8'));
  } catch (e) {
    throw new TrustgateError('USAGE', `--cases ${casesFile}: ${(e as Error).message.split('\n')[0]}`);
  }
  const parsed = casesSchema.safeParse(raw);
  if (!parsed.success) {
    const i = parsed.error.issues[0]!;
    throw new TrustgateError('USAGE', `--cases ${casesFile}: ${i.path.join('.')}: ${i.message}`, {
      hint: 'cases: [{name, image, imageName?, effectiveTime?, expect: allow|deny|warn}]',
    });
  }
  // Every name is checked before any case runs: a typo is a usage error, not a surprising decision.
  for (const [i, c] of parsed.data.cases.entries())
    if (c.imageName !== undefined) parseImageName(c.imageName, `--cases ${casesFile}: cases.${i}.imageName`);
  const base = dirname(resolve(casesFile));
  // The trust material depends only on the policy: built once for every case.
  const verifiers = buildPolicyVerifiers(policy, options.trustRoots);
  const out: CaseResult[] = [];
  for (const c of parsed.data.cases) {
    const image =
      c.image.startsWith('oci:') && !isAbsolute(c.image.slice(4))
        ? `oci:${resolve(base, c.image.slice(4))}`
        : c.image;
    const run = await evaluateImages([image], {
      ...options,
      policy,
      verifiers,
      ...(c.imageName ? { layoutName: c.imageName } : {}),
      ...(c.effectiveTime ? { effectiveTime: new Date(c.effectiveTime) } : {}),
    });
    const d = run.decisions[0]!;
    const actual = outcome(d);
    out.push({
      name: c.name,
      image: c.image,
      expected: c.expect,
      actual,
      ok: actual === c.expect,
      decision: d,
    });
  }
  return out;
}
