/**
 * What every discovery stage shares: the limits, the payload budget of one image, and the plan's
 * deferral. Its own file so the stages (referrers.ts, legacy-tags.ts) and the entry points
 * (discover.ts) can all import it without importing each other.
 */
import type { ImageSource } from '../oci/source.js';
import type { Digest } from '../reference/digest.js';
import type { DiscoveryFormats } from './formats.js';
import type { Discovery } from './types.js';

export interface DiscoveryLimits {
  /** Most signature (or attestation) layers read from one manifest. */
  maxSignatureLayers: number;
  /** Most referrers examined for one digest. */
  maxReferrers: number;
  /** Largest signature payload, bundle or envelope read into memory. */
  maxPayloadBytes: number;
  /** All payloads of one image together (a blob named by many layers is read and counted once). */
  maxTotalPayloadBytes?: number;
}

export const DEFAULT_DISCOVERY_LIMITS: DiscoveryLimits = {
  maxSignatureLayers: 1000,
  maxReferrers: 1000,
  maxPayloadBytes: 16 * 1024 * 1024,
};

export interface DiscoverOptions {
  /** Where the legacy `.sig`/`.att` tags live, when not beside the image (cosign's COSIGN_REPOSITORY). */
  signatureSource?: ImageSource;
  limits?: Partial<DiscoveryLimits>;
  /** Also read legacy `.att` layers (attestation commands); signature verification skips them. */
  attestations?: boolean;
  /** Which formats to read (formats.ts); default every one. */
  formats?: DiscoveryFormats;
  /** cosign's --attachment-tag-prefix: the legacy tags are `<prefix>sha256-<hex>.sig` / `.att`. */
  tagPrefix?: string;
}

/**
 * What a caller (policy evaluation) still needs, so discovery may stop once more attachments could
 * not change the outcome. Only a caller whose outcome can only improve with more evidence may pass one.
 */
export interface DiscoveryPlan {
  /** Whether an attachment annotated with this predicateType may matter. Unannotated ones are always read. */
  wants(predicateType: string): boolean;
  /** True once what has been read settles the outcome, so the rest need not be read. */
  enough(found: Discovery): boolean;
}

/** What a plan lets discovery skip, and what it skipped (for `unread`). */
export interface Deferral {
  plan: DiscoveryPlan;
  skipped: string[];
}

/** Whether the plan skips a referrer annotated with `predicateType`; a skip is recorded. */
export function skipsReferrer(
  deferral: Deferral | undefined,
  referrer: Digest,
  predicateType: string | undefined,
): boolean {
  if (!deferral || predicateType === undefined || deferral.plan.wants(predicateType)) return false;
  deferral.skipped.push(`referrer ${referrer} (${predicateType})`);
  return true;
}

/** What one image's discovery has read: each blob once, and never more than the total budget. */
export interface Budget {
  used: number;
  max: number;
  cache: Map<string, Uint8Array>;
}

/** One stage's reading: where from, under which limits, charged to which image's budget. */
export interface Stage {
  readonly source: ImageSource;
  readonly limits: DiscoveryLimits;
  readonly budget: Budget;
}

/** Reading the layers of one manifest: the stage, plus how the manifest was found and what to skip. */
export interface Reading extends Stage {
  /** How the manifest was found (`tag:…`, `referrer:…`): each item's origin says so. */
  readonly via: string;
  /** Payloads known byte for byte from their digest alone (simpleSigningGuesses): not fetched. */
  readonly guesses?: Map<Digest, Uint8Array>;
  /** Which layers to read, by their annotations; the rest are never fetched. */
  readonly keep?: (annotations: Record<string, string>) => boolean;
}

/**
 * The budget is per image, yet the exported stage functions take only the Discovery they fill
 * (callers such as verify-image run them one at a time on one result). So it is looked up by that
 * result; only the stage entry points (stageOf) may use this map, everything below them is passed
 * a Stage.
 */
const budgets = new WeakMap<Discovery, Budget>();

/** The stage for `result` read from `source`: the image's one budget, created on first use. */
export function stageOf(source: ImageSource, result: Discovery, options: DiscoverOptions): Stage {
  const limits = { ...DEFAULT_DISCOVERY_LIMITS, ...options.limits };
  let budget = budgets.get(result);
  if (!budget) {
    budget = { used: 0, max: limits.maxTotalPayloadBytes ?? 4 * limits.maxPayloadBytes, cache: new Map() };
    budgets.set(result, budget);
  }
  return { source, limits, budget };
}
