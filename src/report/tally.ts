/**
 * What a streamed batch keeps for its final summary table: the counts, the distinct digests, every
 * failed or warned entry in full, and of each passed entry only its one table line (reference,
 * digest, summary). Every other output has already been written when the entry came in.
 */
import type { BatchEntry, BatchReport, SkippedImage } from './report.js';

export class BatchTally {
  private readonly kept: BatchEntry[] = [];
  private readonly digests = new Set<string>();
  private readonly counts = { images: 0, passed: 0, failed: 0, warned: 0 };

  add(e: BatchEntry): void {
    this.counts.images++;
    if (e.digest) this.digests.add(e.digest);
    if (e.status === 'pass') {
      this.counts.passed++;
      // What the text and Markdown tables print of a passed image; its checks are not shown.
      this.kept.push({
        reference: e.reference,
        ...(e.digest ? { digest: e.digest } : {}),
        status: 'pass',
        summary: e.summary,
        checks: [],
        locations: [],
      });
      return;
    }
    if (e.status === 'fail') this.counts.failed++;
    else this.counts.warned++;
    this.kept.push(e);
  }

  /** The report the summary tables are rendered from (passed entries without their checks). */
  report(
    tool: BatchReport['tool'],
    mode: BatchReport['mode'],
    exitCode: number,
    skipped: SkippedImage[],
  ): BatchReport {
    return {
      tool,
      mode,
      entries: this.kept,
      skipped,
      exitCode,
      summary: { ...this.counts, distinctDigests: this.digests.size },
    };
  }
}
