/**
 * The CUE evaluator (real CUE v0.4 in WASM) on statements the fixture builders make: cosign's
 * semantics (unify, no concreteness required), first-error reporting, the unmatched-fields warning.
 */
import { existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterAll, describe, expect, test } from 'vitest';
import {
  checkCuePolicies,
  evaluateCuePolicies,
  firstCueError,
  loadCuePolicies,
} from '../../src/policy/cue/policy.js';
import { stopCue } from '../../src/policy/cue/runner.js';
import { type Digest, sha256Digest } from '../../src/reference/digest.js';
import { statementEmbedding } from '../support/attest-builder.js';
import { predicateSamples } from '../support/predicates.js';

// biome-ignore lint/suspicious/noExplicitAny: a test edits the sample predicates freely
type Predicate = any;
const DIGEST = sha256Digest('cue policy image') as Digest;
const DATA = 'test/data/cue';
const sample = (type: string) => predicateSamples(DIGEST).find((s) => s.type === type)!;
const statementOf = (type: string, edit?: (p: Predicate) => void) => {
  const s = sample(type);
  const pred = JSON.parse(s.predicate.toString('utf8'));
  edit?.(pred);
  return statementEmbedding(DIGEST, s.predicateType, Buffer.from(JSON.stringify(pred)));
};
const slsa = () => loadCuePolicies([`${DATA}/slsa.cue`]);

afterAll(stopCue);

describe('evaluateCuePolicies', () => {
  test('an SLSA v0.2 statement from a tag of the repository passes', async () => {
    expect(await evaluateCuePolicies(slsa(), statementOf('slsaprovenance02'))).toEqual({
      passed: true,
      unmatched: [],
    });
  });

  test('a wrong repository fails, naming the path and the constraint with file:line:column', async () => {
    const v = await evaluateCuePolicies(
      slsa(),
      statementOf('slsaprovenance02', (p) => {
        p.invocation.configSource.uri = 'git+https://github.com/evil/app@refs/tags/v1.2.3';
      }),
    );
    expect(v.passed).toBe(false);
    expect(v.failure?.path).toBe('predicate.invocation.configSource.uri');
    expect(v.failure?.constraint).toMatch(
      /^invalid value "git\+https:\/\/github.com\/evil\/app@refs\/tags\/v1.2.3" \(out of bound =~/,
    );
    expect(v.failure?.message).toContain(`${DATA}/slsa.cue:6:`);
    expect(v.failure?.message).toMatch(/statement:1:\d+/);
  });

  test('a branch build fails when tags are required', async () => {
    const v = await evaluateCuePolicies(
      slsa(),
      statementOf('slsaprovenance02', (p) => {
        p.invocation.configSource.uri = 'git+https://github.com/example/app@refs/heads/main';
      }),
    );
    expect(v.failure?.path).toBe('predicate.invocation.configSource.uri');
  });

  test('as in cosign, a constraint on a field the statement lacks passes, and the field is named', async () => {
    const v = await evaluateCuePolicies(
      slsa(),
      statementOf('slsaprovenance02', (p) => {
        delete p.invocation;
      }),
    );
    expect(v).toEqual({ passed: true, unmatched: ['predicate.invocation'] });
  });

  test('the capitalised-keys trap passes in CUE, and its fields are named', async () => {
    const v = await evaluateCuePolicies(
      loadCuePolicies([`${DATA}/capitalised.cue`]),
      statementOf('slsaprovenance02'),
    );
    expect(v).toEqual({ passed: true, unmatched: ['PredicateType', 'Predicate'] });
  });

  test('a CycloneDX SBOM policy passes on the SBOM and fails on another component', async () => {
    const sbom = loadCuePolicies([`${DATA}/sbom.cue`]);
    expect((await evaluateCuePolicies(sbom, statementOf('cyclonedx'))).passed).toBe(true);
    const v = await evaluateCuePolicies(
      sbom,
      statementOf('cyclonedx', (p) => {
        p.metadata.component.name = 'evil/app';
      }),
    );
    expect(v.failure?.path).toBe('predicate.metadata.component.name');
  });

  test('several files are one policy (one package): all their constraints hold', async () => {
    const three = loadCuePolicies([`${DATA}/type.cue`, `${DATA}/tags.cue`, `${DATA}/buildtype.cue`]);
    expect((await evaluateCuePolicies(three, statementOf('slsaprovenance02'))).passed).toBe(true);
    const v = await evaluateCuePolicies(
      three,
      statementOf('slsaprovenance02', (p) => {
        p.buildType = 'https://example.com/other';
      }),
    );
    expect(v.failure?.path).toBe('predicate.buildType');
    expect(v.failure?.message).toContain(`${DATA}/buildtype.cue:3:`);
  });

  test('leaves no scratch files behind', async () => {
    const before = readdirSync(tmpdir()).filter((n) => n.startsWith('trustgate-cue-'));
    await evaluateCuePolicies(slsa(), statementOf('slsaprovenance02'));
    const after = readdirSync(tmpdir()).filter((n) => n.startsWith('trustgate-cue-'));
    expect(after.filter((n) => !before.includes(n))).toEqual([]);
    for (const n of after) expect(existsSync(`${tmpdir()}/${n}`)).toBe(true);
  });
});

describe('checkCuePolicies and loading', () => {
  test('a syntax error names file:line:column', async () => {
    await expect(checkCuePolicies(loadCuePolicies([`${DATA}/syntax-error.cue`]))).rejects.toThrow(
      /the CUE policy is not valid: expected '}', found 'EOF' \(test\/data\/cue\/syntax-error\.cue:2:\d+\)/,
    );
  });

  test('files of different packages are refused, as CUE loads them as one instance', async () => {
    await expect(
      checkCuePolicies(loadCuePolicies([`${DATA}/type.cue`, `${DATA}/other-package.cue`])),
    ).rejects.toMatchObject({ code: 'POLICY_INVALID', message: expect.stringMatching(/found packages/) });
  });

  test('a valid policy passes the check', async () => {
    await expect(checkCuePolicies(slsa())).resolves.toBeUndefined();
  });

  test('.rego is refused with the hint, and other extensions name trustgate’s own policy', () => {
    expect(() => loadCuePolicies(['p.rego'])).toThrow(/Rego is not supported/);
    expect(() => loadCuePolicies(['policy.yaml'])).toThrow(/must end in \.cue/);
  });

  test('firstCueError reads the header and its positions only', () => {
    expect(
      firstCueError(
        'a."b-c".d: conflicting values 1 and 2:\n    ./p.cue:1:1\n    ./s.json:1:2\nx: other:\n    ./p.cue:2:1\n',
      ),
    ).toEqual({
      path: 'a."b-c".d',
      constraint: 'conflicting values 1 and 2',
      message: 'a."b-c".d: conflicting values 1 and 2 (./p.cue:1:1, ./s.json:1:2)',
    });
  });
});
