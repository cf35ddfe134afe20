/** trustgate as a library: every CLI command is one of these calls. */

export { type CacheEvent, type CacheKey, VerificationCache } from './batch/cache.js';
export {
  formatGithub,
  formatJson,
  formatJunit,
  formatMarkdown,
  formatSarif,
  formatText,
} from './batch/formats.js';
export { type BatchInputs, collectInputs } from './batch/inputs.js';
export {
  type FoundImage,
  type ManifestScan,
  parseImageList,
  scanManifestFile,
  scanManifests,
} from './batch/manifests.js';
export { type PinPlan, type PinVerifier, planPins, unifiedDiff, writePins } from './batch/pin.js';
export {
  type BatchEntry,
  type BatchReport,
  reportFromPolicy,
  reportFromVerify,
  type SourceLocation,
} from './batch/report.js';
export {
  DEFAULT_DISCOVERY_LIMITS,
  type DiscoverOptions,
  type DiscoveryLimits,
  type DiscoveryPlan,
  discover,
  discoverAsNeeded,
} from './discovery/discover.js';
export type { Discovery } from './discovery/types.js';
export * from './errors.js';
export * from './exit-codes.js';
export * from './oci/index.js';
export { normalizeRegistryHost } from './oci/registry/credentials.js';
export { type ExportOptions, type ExportResult, exportEvidence } from './output/export.js';
export type { Selection } from './output/extract.js';
export { writeOutputFile } from './output/write-file.js';
// --- package F: the policy run layer ---
export { type CaseResult, outcome, type PolicyCase, parseCases } from './policy/cases.js';
export { discoveryPlanFor } from './policy/discovery-plan.js';
export { parseDuration } from './policy/duration.js';
export type { CheckStatus } from './policy/evaluate/index.js';
export { type CheckResult, evaluatePolicy, type PolicyDecision, type RuleResult } from './policy/evaluate.js';
export type { ImageEvidence } from './policy/evidence.js';
export { buildPolicyVerifiers, gatherEvidence } from './policy/gather.js';
export { type CompiledPolicy, compilePolicy, loadPolicy, PolicyInvalidError } from './policy/load.js';
export { evaluateImages, type PolicyRun, type PolicyRunOptions } from './policy/run.js';
export * from './reference/index.js';
export { reportFromAttestations } from './report/report.js';
export * from './resolve/resolve.js';
// The run layer (issue 13): one function per job, taking built trust and a RunContext.
export {
  type AttachmentList,
  type AttachmentsOptions,
  type ListedAttestation,
  runAttachments,
} from './run/attachments.js';
// Callers build their Trust (buildTrust) and Source (sourceFrom/withSource) once and run several jobs on them.
export type { Batch, Limits, RunContext, Source } from './run/context.js';
export { type EvaluateOptions, runEvaluate } from './run/evaluate.js';
export { type ExportPolicy, type ExportRunOptions, exportPolicyFrom, runExport } from './run/export.js';
export { type ExtractJob, type ExtractResult, runExtract, type UnverifiedAttachment } from './run/extract.js';
export { type Gathering, gatherImages } from './run/gather.js';
export { batchOf, limitsOf, sourceOptionsOf, trustInputOf } from './run/options.js';
export { runPolicyCases } from './run/policy-cases.js';
export { type SourceOptions, sourceFrom, withSource } from './run/source.js';
export { runVerify, type VerifyJob } from './run/verify.js';
export { type AttestationJob, runVerifyAttestations } from './run/verify-attestations.js';
export { artifactOf, type BundleResult, runVerifyBundle } from './run/verify-bundle.js';
export { GITHUB_V1_CLAIMS, parseExtensionFlag } from './trust/claims.js';
export type { IdentityPolicyInput } from './trust/identity.js';
export { jsonText, printable } from './util/printable.js';
export { MAX_INPUT_FILE_BYTES, readInputFile } from './util/safe-fs.js';
export { type AttestationVerdict, PREDICATE_TYPES, predicateTypeFor } from './verify/attestations.js';
export { buildTrust, type Trust, type TrustInput } from './verify/trust.js';
export {
  type AttestationOptions,
  type AttestationRun,
  type ImageAttestations,
  verifyImageAttestations,
} from './verify/verify-attestations-image.js';
export {
  type ImageVerdict,
  type ImageVerification,
  type VerifyOptions,
  type VerifyRun,
  verifyImages,
} from './verify/verify-image.js';
export { VERSION } from './version.js';
