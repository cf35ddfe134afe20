import { type Command, Option } from 'commander';
import { TrustgateError, UsageError } from '../../errors.js';
import { ExitCode } from '../../exit-codes.js';
import { appendAudit, policyChangeRecord } from '../../policy/audit-log.js';
import { firstFailingOrWarningCheck } from '../../policy/checks.js';
import { diffPolicies, formatChange } from '../../policy/diff.js';
import { jsonText, printable } from '../../util/printable.js';
import { MAX_INPUT_FILE_BYTES, readInputFile } from '../../util/safe-fs.js';
import { exitCodeForFailures } from '../exit-codes.js';
import type { Io } from '../output.js';
import { addRegistryOptions, type RegistryFlags, registryClientOptions } from '../registry-options.js';

/**
 * `trustgate policy validate | diff | test | schema`: four small subcommands, declared together so
 * their shared flags read as one table; most of the length is commander declarations.
 */
export function registerPolicy(program: Command, io: Io, setExit: (code: number) => void): void {
  const policy = program.command('policy').description('check, compare and test organisation policy files');

  policy
    .command('validate')
    .description('report every problem in a policy file, with its line and column: exit 0 valid, 1 not')
    .argument('<file>', 'policy file (YAML or JSON)')
    .action(async (file: string) => {
      // lazy: the policy compiler (yaml, zod, CEL) costs ~100 ms of start-up that other commands skip.
      const { compilePolicy, formatIssue } = await import('../../policy/load.js');
      const text = readText(file);
      const r = compilePolicy(text, file);
      if ('issues' in r) {
        for (const i of r.issues) io.out(printable(formatIssue(file, i)));
        io.err(`${io.errChalk.red('invalid:')} ${r.issues.length} problem(s) in ${file}`);
        setExit(ExitCode.FAILURE);
        return;
      }
      const p = r.policy;
      io.out(
        `${file}: valid: policy ${p.doc.metadata.name}, ${p.rules.length} rule(s), ${p.authorities.size} authorit${p.authorities.size === 1 ? 'y' : 'ies'}, ${p.exceptions.length} exception(s), ${p.sha256}`,
      );
      setExit(ExitCode.OK);
    });

  policy
    .command('diff')
    .description('the semantic difference between two policies (defaults applied; formatting ignored)')
    .argument('<old>', 'the policy before')
    .argument('<new>', 'the policy after')
    .addOption(new Option('--audit-log <file>', 'append a policy-change record (fsynced)'))
    .addOption(
      new Option('-o, --output <format>', 'text or json (report: the same JSON)')
        .choices(['text', 'json', 'report'])
        .default('text'),
    )
    .action(async (before: string, after: string, flags: { auditLog?: string; output: string }) => {
      // lazy: the policy compiler (yaml, zod, CEL) costs ~100 ms of start-up that other commands skip.
      const { loadPolicy } = await import('../../policy/load.js');
      const a = loadPolicy(before);
      const b = loadPolicy(after);
      const changes = diffPolicies(a.doc, b.doc);
      if (flags.output === 'json' || flags.output === 'report')
        io.out(jsonText({ before: a.sha256, after: b.sha256, changes }, 2));
      else if (changes.length === 0) io.out('no semantic change');
      else for (const c of changes) io.out(printable(formatChange(c)));
      if (flags.auditLog) {
        appendAudit(flags.auditLog, [
          policyChangeRecord(
            { file: before, sha256: a.sha256 },
            { file: after, sha256: b.sha256, name: b.doc.metadata.name },
            changes.map(formatChange),
          ),
        ]);
      }
      setExit(ExitCode.OK);
    });

  const test = policy
    .command('test')
    .description(
      'evaluate a policy against cases of images with expected decisions (like kyverno test): exit 1 on any mismatch',
    )
    .argument('<file>', 'policy file')
    .requiredOption(
      '--cases <file>',
      'cases YAML: cases: [{name, image, imageName?, effectiveTime?, expect}]',
    );
  addRegistryOptions(test).action(async (file: string, flags: RegistryFlags & { cases: string }) => {
    const [{ loadPolicy }, { parseCases }, { buildPolicyVerifiers }, { runPolicyCases }, { withSource }] =
      await Promise.all([
        // lazy: compiler, sigstore and the registry client: ~120 ms that other commands skip.
        import('../../policy/load.js'),
        import('../../policy/cases.js'),
        import('../../policy/policy-trust.js'),
        import('../../run/policy-cases.js'),
        import('../../run/source.js'),
      ]);
    const compiled = loadPolicy(file);
    const cases = parseCases(flags.cases);
    const trust = buildPolicyVerifiers(compiled);
    // The images come from the cases file, which never chooses where credentials go.
    const results = await withSource(registryClientOptions(flags, []), (source) =>
      runPolicyCases(compiled, cases, trust, { source, limits: {} }),
    );
    const c = io.outChalk;
    for (const r of results) {
      if (r.error) {
        io.out(`${c.red('ERROR')} ${printable(r.name)}: expected ${r.expected}, but ${printable(r.error)}`);
        continue;
      }
      const firstFailure = firstFailingOrWarningCheck(r.decision);
      io.out(
        `${r.ok ? c.green('PASS') : c.red('FAIL')} ${printable(r.name)}: expected ${r.expected}, got ${r.actual}${firstFailure ? ` (${printable(firstFailure.id)}: ${printable(firstFailure.reason)})` : ''}`,
      );
    }
    const bad = results.filter((r) => !r.ok).length;
    io.err(`${results.length - bad} passed, ${bad} failed`);
    setExit(exitCodeForFailures(bad));
  });

  policy
    .command('schema')
    .description('print the JSON Schema of policy files (for editor completion)')
    .action(async () => {
      // lazy: the schema is generated from the zod schemas (~30 ms of start-up).
      const { policyJsonSchema } = await import('../../policy/json-schema.js');
      io.out(JSON.stringify(policyJsonSchema(), null, 2));
      setExit(ExitCode.OK);
    });
}

function readText(file: string): string {
  try {
    return readInputFile(file, MAX_INPUT_FILE_BYTES).toString('utf8');
  } catch (e) {
    if (e instanceof TrustgateError && e.code === 'SIZE_LIMIT') throw e;
    throw new UsageError(`${file}: cannot read the file`);
  }
}
