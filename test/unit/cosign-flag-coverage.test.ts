/**
 * Every flag the real cosign 2.5 lists for `verify` and `verify-attestation` is declared by trustgate's
 * command (honoured, or refused with its one line from cli/cosign-refusals.ts): none may reach
 * commander as an "unknown option".
 */
import { spawnSync } from 'node:child_process';
import { Command } from 'commander';
import { describe, expect, test } from 'vitest';
import { registerVerify } from '../../src/cli/commands/verify.js';
import { registerVerifyAttestation } from '../../src/cli/commands/verify-attestation.js';
import { COSIGN_REFUSALS } from '../../src/cli/cosign-refusals.js';
import type { Io } from '../../src/cli/output.js';
import { PREDICATE_TYPES } from '../../src/verify/attestations.js';
import { peer } from '../support/peers.js';

const cosign = peer('cosign');
if (!cosign)
  console.warn('cosign-flag-coverage: .tools/bin/cosign is missing (run scripts/peer-tools); skipped');

/**
 * Flags other parts of issue 14 declare (registry, discovery, run and output flags, CUE policies).
 * Listed so that this test reports them apart; the coordinator empties this list at merge.
 */
const OWNED_ELSEWHERE = new Set<string>();

/** Long and short flags of a cosign help text: `    -a, --annotations=[]:` and `  -t, --timeout duration`. */
function cosignHelpFlags(help: string): string[] {
  const flags = new Set<string>();
  for (const line of help.split('\n')) {
    const m = /^\s+(?:-([A-Za-z]), )?--([a-z0-9][a-z0-9-]*)(?:=|\s|$)/.exec(line);
    if (!m) continue;
    flags.add(`--${m[2]}`);
    if (m[1]) flags.add(`-${m[1]}`);
  }
  return [...flags].sort();
}

const silentIo: Io = {
  out: () => {},
  err: () => {},
  errChalk: undefined as never,
  outChalk: undefined as never,
};

/** Every flag a trustgate command declares, hidden ones (the refusals) and commander's help included. */
function trustgateFlags(name: 'verify' | 'verify-attestation'): Set<string> {
  const program = new Command();
  if (name === 'verify') registerVerify(program, silentIo, () => {});
  else registerVerifyAttestation(program, silentIo, () => {});
  const cmd = program.commands.find((c) => c.name() === name)!;
  const out = new Set(['--help', '-h']);
  for (const o of cmd.options) {
    if (o.long) out.add(o.long);
    if (o.short) out.add(o.short);
  }
  return out;
}

describe.each(['verify', 'verify-attestation'] as const)('cosign %s --help', (name) => {
  const help = cosign ? spawnSync(cosign, [name, '--help'], { encoding: 'utf8' }).stdout : '';

  test.skipIf(!cosign)('every cosign flag is declared by trustgate (honoured or refused)', () => {
    const flags = cosignHelpFlags(help);
    // The parser reads the help: if cosign's layout changed, this fails instead of passing on nothing.
    expect(flags.length).toBeGreaterThan(40);
    expect(flags).toContain('--key');
    expect(flags).toContain('-t');
    const ours = trustgateFlags(name);
    const unknown = flags.filter((f) => !ours.has(f) && !OWNED_ELSEWHERE.has(f));
    expect(unknown).toEqual([]);
  });

  test.skipIf(!cosign)('every refusal in the table is a flag cosign has', () => {
    const flags = new Set(cosignHelpFlags(help));
    const ours = trustgateFlags(name);
    for (const r of COSIGN_REFUSALS) {
      const flag = r.flags.split(' ')[0]!;
      expect(flags.has(flag), `${flag} is not a cosign ${name} flag`).toBe(
        r.only === undefined || r.only === name,
      );
      if (flags.has(flag)) expect(ours.has(flag)).toBe(true);
    }
  });
});

test('the help parser reads both of cosign’s layouts, short flags included', () => {
  const help = [
    'Flags:',
    '    -a, --annotations=[]:',
    '\textra key=value pairs to sign',
    '    --check-claims=true:',
    'Global Flags:',
    '      --output-file string   log output to a file',
    '  -t, --timeout duration     timeout for commands (default 3m0s)',
    '  -d, --verbose              log debug output',
  ].join('\n');
  expect(cosignHelpFlags(help)).toEqual(
    ['--annotations', '--check-claims', '--output-file', '--timeout', '--verbose', '-a', '-d', '-t'].sort(),
  );
});

/** cosign 2.5's --type names and the predicateType each stands for (options/predicate.go). */
const COSIGN_TYPES: Record<string, string> = {
  custom: 'https://cosign.sigstore.dev/attestation/v1',
  slsaprovenance: 'https://slsa.dev/provenance/v0.2',
  slsaprovenance02: 'https://slsa.dev/provenance/v0.2',
  slsaprovenance1: 'https://slsa.dev/provenance/v1',
  spdx: 'https://spdx.dev/Document',
  spdxjson: 'https://spdx.dev/Document',
  cyclonedx: 'https://cyclonedx.org/bom',
  link: 'https://in-toto.io/Link/v1',
  vuln: 'https://cosign.sigstore.dev/attestation/vuln/v1',
  openvex: 'https://openvex.dev/ns',
};

test('every cosign --type name means the predicateType it means in cosign', () => {
  for (const [name, uri] of Object.entries(COSIGN_TYPES)) expect(PREDICATE_TYPES[name], name).toBe(uri);
});

test.skipIf(!cosign)('the --type names cosign lists are the ones checked above', () => {
  const help = spawnSync(cosign!, ['verify-attestation', '--help'], { encoding: 'utf8' }).stdout;
  const m = /predicate type \(([a-z0-9|]+)\)/.exec(help);
  expect(m).not.toBeNull();
  expect(m![1]!.split('|').sort()).toEqual(Object.keys(COSIGN_TYPES).sort());
});
