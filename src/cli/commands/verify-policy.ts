/** `verify --policy`: the organisation policy decides each image instead of the --key/identity flags. */
import { type Command, Option } from 'commander';
import type { BatchInputs } from '../../inputs/inputs.js';
import { parseDuration } from '../../policy/duration.js';
import type { PolicyDecision } from '../../policy/evaluate/index.js';
import type { ImageEvidence } from '../../policy/evidence.js';
import { entryFromDecision, reportFromPolicy } from '../../report/report.js';
import type { EvaluateOptions, PolicyRun } from '../../run/evaluate.js';
import { batchOf } from '../../run/options.js';
import { withSource } from '../../run/source.js';
import {
  type BatchFlags,
  batchRunOptions,
  imageConcurrencyOf,
  type OutputSpec,
  streamBatchOutputs,
  withInputFailures,
  writeBatchOutputs,
} from '../batch-output.js';
import type { Io } from '../output.js';
import { type RegistryFlags, sourceOptionsFromFlags, UsageError } from '../registry-options.js';
import {
  POLICY_JSON_SCHEMA_VERSION,
  policyJson,
  renderCacheEvents,
  renderPolicyText,
} from '../render/policy.js';
import type { TrustFlags } from '../trust-options.js';
import { issuePlanned, prepareVsa, type VsaFlags } from '../vsa-flags.js';

export interface PolicyFlags {
  policy?: string;
  effectiveTime?: string;
  auditLog?: string;
  imageName?: string;
  cache?: string;
  cacheTtl?: string;
  exhaustive?: boolean;
}

/** What verify --policy reads of verify's flags (the trust flags only to refuse them). */
type VerifyPolicyFlags = PolicyFlags &
  VsaFlags &
  RegistryFlags &
  BatchFlags &
  Pick<TrustFlags, 'key' | 'certificateIdentity' | 'certificateIdentityRegexp'> & { platform?: string };

export function addPolicyOptions(cmd: Command): Command {
  return cmd
    .addOption(
      new Option(
        '--policy <file>',
        'evaluate the organisation policy instead of --key/identity flags: exit 0 allowed, 1 denied, 3 allowed with warnings',
      ),
    )
    .addOption(new Option('--effective-time <time>', 'with --policy: evaluate as of this RFC 3339 time'))
    .addOption(new Option('--audit-log <file>', 'with --policy: append one JSON line per decision (fsynced)'))
    .addOption(
      new Option(
        '--cache <dir>',
        'with --policy: keep what was fetched per digest here and re-verify it on later runs (untrusted; off by default)',
      ),
    )
    .addOption(
      new Option('--cache-ttl <duration>', 'how long cache entries are used: 30m, 12h, 7d').default('24h'),
    )
    .addOption(
      new Option(
        '--exhaustive',
        'with --policy: read every attachment, even once what was read passes every check (for evidence archives; an unneeded attachment that is malformed or unreachable then denies the image)',
      ),
    )
    .addOption(
      new Option(
        '--image-name <registry/repository>',
        'with --policy and an oci: layout: the name to match rules against (what it will be pulled as)',
      ),
    );
}

export async function verifyWithPolicy(
  images: string[],
  positional: string[],
  flags: VerifyPolicyFlags,
  io: Io,
  setExit: (code: number) => void,
  outputs: OutputSpec[],
  inputs: BatchInputs,
  batch: boolean,
): Promise<void> {
  if ((flags.key?.length ?? 0) > 0 || flags.certificateIdentity || flags.certificateIdentityRegexp)
    throw new UsageError('--policy names its own authorities; drop --key and --certificate-identity flags');
  const cosignOnly = outputs.find((o) => o.format === 'json' || o.format === 'text');
  if (cosignOnly)
    throw new UsageError(
      `-o ${cosignOnly.format} is cosign's output, which a policy decision does not have: use -o report for trustgate's JSON, or -o tree`,
    );
  const effectiveTime = effectiveTimeOf(flags.effectiveTime);
  // lazy: the policy compiler (yaml, zod, CEL) and sigstore-js add ~60-80 ms of CPU to the start of every other command.
  const [{ loadPolicy }, { buildPolicyVerifiers }, { runEvaluate }, { VerificationCache }] =
    await Promise.all([
      import('../../policy/load.js'),
      import('../../policy/policy-trust.js'),
      import('../../run/evaluate.js'),
      import('../../discovery/cache.js'),
    ]);
  const cache = flags.cache
    ? new VerificationCache(flags.cache, { ttlMs: cacheTtlOf(flags.cacheTtl) })
    : undefined;
  const source = sourceOptionsFromFlags(flags, positional);
  const runBatch = batchOf(batchRunOptions(flags));
  const policy = loadPolicy(flags.policy!);
  const trust = buildPolicyVerifiers(policy);
  const vsa = await prepareVsa(flags, images);
  const options = {
    ...(flags.auditLog ? { auditLog: flags.auditLog } : {}),
    ...(flags.imageName ? { imageName: flags.imageName } : {}),
    ...(cache ? { cache } : {}),
    ...(flags.exhaustive ? { exhaustive: true } : {}),
  };
  const evaluate = (o: EvaluateOptions) =>
    withSource(source, async (s) => {
      const stream = o.onDecision;
      const done = await runEvaluate(
        images,
        policy,
        trust,
        { source: s, limits: imageConcurrencyOf(flags), ...(runBatch ? { batch: runBatch } : {}) },
        {
          ...o,
          ...(stream || vsa
            ? {
                onDecision: (d: PolicyDecision, ev: ImageEvidence, i: number) => {
                  stream?.(d, ev, i);
                  vsa?.onDecision(d, ev, i);
                },
              }
            : {}),
        },
      );
      if (vsa) await issuePlanned(vsa, flags, policy, s.client, io);
      return done;
    });
  if (batch) {
    // A batch is written as its images are decided and keeps only a summary: memory stays flat in
    // the number of images (unless VSAs are issued, which need each image's evidence at the end).
    // Results are in input order (each waits for the ones before it).
    const now = effectiveTime ?? new Date();
    const head = {
      schemaVersion: POLICY_JSON_SCHEMA_VERSION,
      policy: { file: policy.file, name: policy.doc.metadata.name, sha256: policy.sha256 },
      effectiveTime: now.toISOString(),
    };
    const stream = streamBatchOutputs(outputs, io, {
      inputs,
      mode: 'policy',
      list: 'decisions',
      document: (decisions, exitCode) => ({ ...head, decisions, exitCode }),
    });
    let run: PolicyRun;
    try {
      run = await evaluate({
        ...options,
        effectiveTime: now,
        keepDecisions: false,
        onDecision: (d) => stream.add(entryFromDecision(d, inputs.locations), d),
      });
    } catch (e) {
      stream.abort();
      throw e;
    }
    if (cache) renderCacheEvents(cache.events, images.length, flags.cache!, io);
    // The document's exitCode is the process's: an unreadable input fails the run (withInputFailures).
    await stream.close(withInputFailures(inputs, run.exitCode));
    setExit(run.exitCode);
    return;
  }
  const run = await evaluate({ ...options, ...(effectiveTime ? { effectiveTime } : {}) });
  if (cache) renderCacheEvents(cache.events, images.length, flags.cache!, io);
  const report = reportFromPolicy(run, inputs.locations, inputs.skipped);
  await writeBatchOutputs(
    report,
    outputs,
    io,
    { inputs, batch },
    { report: () => policyJson(run), list: 'decisions', tree: (to) => renderPolicyText(run, to) },
  );
  setExit(run.exitCode);
}

function effectiveTimeOf(text: string | undefined): Date | undefined {
  if (!text) return undefined;
  const t = new Date(text);
  if (Number.isNaN(t.getTime()) || !/^\d{4}-\d\d-\d\dT/.test(text))
    throw new UsageError(`--effective-time ${text}: not an RFC 3339 time (2026-12-31T00:00:00Z)`);
  return t;
}

function cacheTtlOf(ttl: string | undefined): number {
  try {
    return parseDuration(ttl ?? '24h');
  } catch {
    throw new UsageError(`--cache-ttl ${ttl}: a duration such as 30m, 12h or 7d`);
  }
}
