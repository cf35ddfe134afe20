/** listAttachments, the option-bag form of run/attachments.ts's runAttachments, kept for Node callers. */

import { parseReference } from '../reference/parse.js';
import { buildTrust } from '../verify/trust.js';
import { type AttachmentList, type AttachmentsOptions, runAttachments } from './attachments.js';
import { limitsOf, sourceOptionsOf, trustInputOf, type VerifyOptions } from './options.js';
import { withSource } from './source.js';

export type { AttachmentList, ListedAttestation } from './attachments.js';

export interface ListOptions extends Partial<VerifyOptions>, AttachmentsOptions {}

export async function listAttachments(reference: string, options: ListOptions): Promise<AttachmentList> {
  const { inspectUnknown, ...bag } = options;
  const trusted = (bag.keys?.length ?? 0) > 0 || bag.identity !== undefined;
  // The reference first, as before: a typo in it is reported before any key file is read.
  parseReference(reference);
  const trust = trusted ? await buildTrust(trustInputOf(bag)) : undefined;
  return withSource(sourceOptionsOf(bag), (source) =>
    runAttachments(
      reference,
      trust,
      { source, limits: limitsOf(bag) },
      {
        ...(inspectUnknown !== undefined ? { inspectUnknown } : {}),
      },
    ),
  );
}
