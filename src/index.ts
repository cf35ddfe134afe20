/** trustgate as a library: every CLI command is one of these calls. */

export {
  type BuildkitAttestation,
  type BuildkitFindings,
  discoverBuildkit,
  type IgnoredBuildkit,
} from './discovery/buildkit.js';
export { type CacheEvent, type CacheKey, VerificationCache } from './discovery/cache.js';
export {
  DEFAULT_DISCOVERY_LIMITS,
  type DiscoverOptions,
  type DiscoveryLimits,
  type DiscoveryPlan,
  discover,
  discoverAsNeeded,
} from './discovery/discover.js';
export {
  type CosignFormatChoice,
  checkTagPrefix,
  type DiscoveryFormats,
  EVERY_FORMAT,
  formatsFor,
} from './discovery/formats.js';
export type { Discovery } from './discovery/types.js';
export * from './errors.js';
export * from './exit-codes.js';
export { collectListedInputs, parseImageList } from './inputs/image-list.js';
export { type BatchInputs, collectInputs } from './inputs/inputs.js';
export {
  type FoundImage,
  type ManifestScan,
  scanManifestFile,
  scanManifests,
} from './inputs/manifests.js';
export {
  type PinPlan,
  type PinPlatforms,
  type PinVerifier,
  planPins,
  unifiedDiff,
  writePins,
} from './inputs/pin.js';
export * from './oci/index.js';
export { normalizeRegistryHost } from './oci/registry/credentials.js';
export {
  cosignBundleEnvelope,
  cosignCertificateLines,
  cosignIgnoreTlogWarning,
  cosignImageName,
  cosignPayloadJson,
  cosignSummaryLines,
  cosignVerifyJson,
} from './output/cosign.js';
export { extractedPath, type Selection, stdoutTrailer } from './output/extract.js';
export { platformExportDir, platformFileNames, platformOutputPath } from './output/platform-paths.js';
export { writeOutputFile } from './output/write-file.js';
export { appendAudit, policyChangeRecord } from './policy/audit-log.js';
// --- package F: the policy run layer ---
export { type CaseResult, outcome, type PolicyCase, parseCases } from './policy/cases.js';
export { explainingCheck, firstFailingCheck, firstFailingOrWarningCheck } from './policy/checks.js';
export { type CuePolicies, loadCuePolicies } from './policy/cue/policy.js';
export { diffPolicies, formatChange } from './policy/diff.js';
export { discoveryPlanFor } from './policy/discovery-plan.js';
export { parseDuration } from './policy/duration.js';
export type { CheckStatus } from './policy/evaluate/index.js';
export {
  type CheckResult,
  evaluatePolicy,
  type PolicyDecision,
  type RuleResult,
} from './policy/evaluate/index.js';
export type { ImageEvidence, UnsignedAttestationEvidence, UnsignedEvidence } from './policy/evidence.js';
export { policyJsonSchema } from './policy/json-schema.js';
export {
  type CompiledPolicy,
  compilePolicy,
  formatIssue,
  loadPolicy,
  PolicyInvalidError,
} from './policy/load.js';
export { buildPolicyVerifiers } from './policy/policy-trust.js';
export { judgeVsa, type VsaExpectations, type VsaJudgement } from './policy/vsa-judge.js';
export {
  DEFAULT_VERIFIER_ID,
  parseVsaStatement,
  VSA_PREDICATE_TYPE,
  type VsaStatement,
} from './policy/vsa-predicate.js';
export * from './reference/index.js';
export { type BatchStreamWriter, batchStreamWriter, type StreamedFormat } from './report/batch-stream.js';
export {
  formatGithub,
  formatJson,
  formatJunit,
  formatMarkdown,
  formatSarif,
  formatText,
} from './report/formats.js';
export {
  type BatchEntry,
  type BatchReport,
  entryFromDecision,
  reportFromAttestations,
  reportFromPolicy,
  reportFromVerify,
  type SourceLocation,
} from './report/report.js';
export { collect, JsonListStream, type Sink } from './report/stream.js';
export { BatchTally } from './report/tally.js';
export * from './resolve/platforms.js';
export * from './resolve/resolve.js';
export { expandPlatforms, type PlatformExpansion } from './run/all-platforms.js';
// The run layer (issue 13): one function per job, taking built trust and a RunContext.
export {
  type AttachmentList,
  type AttachmentsOptions,
  type ListedAttestation,
  type ListedBuildkit,
  runAttachments,
} from './run/attachments.js';
// Callers build their Trust (buildTrust) and Source (sourceFrom/withSource) once and run several jobs on them.
export type { Batch, Limits, RunContext, Source } from './run/context.js';
export {
  type EvaluateOptions,
  evaluateImages,
  type PolicyRun,
  type PolicyRunOptions,
  runEvaluate,
} from './run/evaluate.js';
export { type ExportPolicy, type ExportRunOptions, exportPolicyFrom, runExport } from './run/export.js';
export { type ExportOptions, type ExportResult, exportEvidence } from './run/export-evidence.js';
export { type ExtractJob, type ExtractResult, runExtract, type UnverifiedAttachment } from './run/extract.js';
export { type Gathering, gatherEvidence, gatherImages } from './run/gather.js';
export { batchOf, limitsOf, sourceOptionsOf, trustInputOf } from './run/options.js';
export { type PinGate, type PinOptions, runPin } from './run/pin.js';
export { runPolicyCases } from './run/policy-cases.js';
export { type ResolveManyOptions, type ResolveManyResult, resolveImages } from './run/resolve.js';
export { type SourceOptions, sourceFrom, withSource } from './run/source.js';
export { runVerify, type VerifyJob } from './run/verify.js';
export {
  type AttestationJob,
  runVerifyAttestations,
} from './run/verify-attestations.js';
export {
  type AttestationOptions,
  type AttestationRun,
  type ImageAttestations,
  verifyImageAttestations,
} from './run/verify-attestations-image.js';
export { artifactOf, type BundleJob, type BundleResult, runVerifyBundle } from './run/verify-bundle.js';
export {
  type ImageVerdict,
  type ImageVerification,
  type VerifyOptions,
  type VerifyRun,
  verifyImages,
} from './run/verify-image.js';
export { runVerifySlsa, type SlsaCandidate, type SlsaJob, type SlsaRun } from './run/verify-slsa.js';
export { runVerifyVsa, type VsaJob, type VsaRun } from './run/verify-vsa.js';
export { GITHUB_V1_CLAIMS, parseExtensionFlag } from './trust/claims.js';
export type { IdentityPolicyInput } from './trust/identity.js';
export { escapeJsonRaw, jsonText, printable } from './util/printable.js';
// CLI support: escaping, redaction and bounded file access every command's output goes through.
export {
  type AtomicFile,
  appendNoFollow,
  MAX_INPUT_FILE_BYTES,
  openFileAtomic,
  readInputFile,
} from './util/safe-fs.js';
export { redact } from './util/secrets.js';
export {
  type ArtifactDigest,
  parseArtifactDigest,
  SUBJECT_DIGEST_ALGORITHMS,
  type SubjectDigestAlgorithm,
  subjectMismatch,
} from './verify/artifact-digest.js';
export { type AttestationVerdict, PREDICATE_TYPES, predicateTypeFor } from './verify/attestations.js';
export { checkBuildkitStatements } from './verify/buildkit.js';
export { buildTrust, type Trust, type TrustInput } from './verify/trust.js';
export { VERSION } from './version.js';
export { type Attached, type AttachTarget, attachVsa } from './vsa/attach.js';
export { type IssuedVsa, type IssueResult, issueVsas, vsaTarget } from './vsa/issue.js';
export { type SignedVsa, signVsa } from './vsa/sign.js';
export {
  fromPrivateKey,
  loadVsaSigningKey,
  VSA_PASSWORD_ENV,
  type VsaSigningKey,
} from './vsa/signing-key.js';
export { vsaStatement } from './vsa/statement.js';
