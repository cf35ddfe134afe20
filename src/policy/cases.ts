/**
 * The cases file of `trustgate policy test FILE --cases CASES.yaml`, like `kyverno test`: each case
 * names an image (a registry reference or an OCI layout, relative to the cases file) and the decision
 * it must get. Running them is run/policy-cases.ts.
 */
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse } from 'yaml';
import * as z from 'zod';
import { TrustgateError } from '../errors.js';
import { parseImageName } from '../reference/name.js';
import { MAX_INPUT_FILE_BYTES, readInputFile } from '../util/safe-fs.js';
import type { PolicyDecision } from './evaluate/index.js';

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

type Expected = 'allow' | 'deny' | 'warn';

export interface PolicyCase {
  name: string;
  /** As the cases file wrote it, for reports. */
  image: string;
  /** What is evaluated: a relative layout path resolved against the cases file's folder. */
  target: string;
  imageName?: string;
  effectiveTime?: Date;
  expect: Expected;
}

export interface CaseResult {
  name: string;
  image: string;
  expected: Expected;
  actual: Expected;
  ok: boolean;
  decision: PolicyDecision;
  /**
   * The image could not be read or verified (a missing layout, a registry error): the case is an
   * error, never a pass, whatever it expects; a denial for that reason proves nothing about the policy.
   */
  error?: string;
}

export function outcome(d: PolicyDecision): Expected {
  return d.decision === 'deny' ? 'deny' : d.status === 'warn' ? 'warn' : 'allow';
}

/** Why the decision was made without the image's evidence, if it was (policy/evaluate: the `verification` check). */
export function caseError(d: PolicyDecision): string | undefined {
  return d.checks.find((c) => c.id === 'verification' && c.status === 'fail')?.reason;
}

/** Every case, checked before any runs: a typo is a usage error, not a surprising decision. */
export function parseCases(casesFile: string): PolicyCase[] {
  let raw: unknown;
  try {
    raw = parse(readInputFile(casesFile, MAX_INPUT_FILE_BYTES).toString('utf8'));
  } catch (e) {
    throw new TrustgateError('USAGE', `casesFile ${casesFile}: ${(e as Error).message.split('\n')[0]}`, {
      option: 'casesFile',
    });
  }
  const parsed = casesSchema.safeParse(raw);
  if (!parsed.success) {
    const i = parsed.error.issues[0]!;
    throw new TrustgateError('USAGE', `casesFile ${casesFile}: ${i.path.join('.')}: ${i.message}`, {
      option: 'casesFile',
      hint: 'cases: [{name, image, imageName?, effectiveTime?, expect: allow|deny|warn}]',
    });
  }
  for (const [i, c] of parsed.data.cases.entries())
    if (c.imageName !== undefined)
      // Kept naming the flag: test/integration/run-evaluate.test.ts asserts this library message.
      parseImageName(c.imageName, `--cases ${casesFile}: cases.${i}.imageName`, 'casesFile');
  const base = dirname(resolve(casesFile));
  return parsed.data.cases.map((c) => ({
    name: c.name,
    image: c.image,
    target:
      c.image.startsWith('oci:') && !isAbsolute(c.image.slice(4))
        ? `oci:${resolve(base, c.image.slice(4))}`
        : c.image,
    ...(c.imageName ? { imageName: c.imageName } : {}),
    ...(c.effectiveTime ? { effectiveTime: new Date(c.effectiveTime) } : {}),
    expect: c.expect,
  }));
}
