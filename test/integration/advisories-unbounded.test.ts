/**
 * Regression tests for "unbounded data" advisories in peer tools, each reproduced in its attack shape
 * against trustgate: a registry (in-process fault server) or a layout that offers endless or enormous
 * data must be refused within bounded time and bytes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { discover } from '../../src/discovery/discover.js';
import { CosignAnnotation, CosignMediaType } from '../../src/discovery/media-types.js';
import { LayoutSource, REF_NAME_ANNOTATION } from '../../src/oci/layout/layout-source.js';
import { MediaType } from '../../src/oci/media-types.js';
import { RegistryClient, type RegistryClientOptions } from '../../src/oci/registry/client.js';
import { type Digest, digestTag, sha256Digest } from '../../src/reference/digest.js';
import { buildSigManifest, simpleSigningPayload } from '../support/cosign-sig.js';
import { expectFailure } from '../support/expect-failure.js';
import { type FaultServer, startFaultServer } from '../support/fault-server.js';
import { type Blob, buildImage, descriptorOf } from '../support/image-builder.js';
import { writeLayout } from '../support/layout-writer.js';

const img = buildImage({ seed: 'advisories-unbounded' });
const servers: FaultServer[] = [];
const clients: RegistryClient[] = [];
const dirs: string[] = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(servers.splice(0).map((s) => s.close()));
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function client(opts: RegistryClientOptions = {}): RegistryClient {
  const c = new RegistryClient({ backoffMs: 10, useDockerConfig: false, ...opts });
  clients.push(c);
  return c;
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * A registry for one repository `app`: manifests by tag or digest, blobs by digest, and `blob` /
 * `referrers` hooks for the hostile parts. Unknown manifests are 404 MANIFEST_UNKNOWN.
 */
async function registry(opts: {
  manifests: Array<{ blob: Blob; tag?: string }>;
  blobs?: Blob[];
  blob?: Handler;
  referrers?: Handler;
}): Promise<FaultServer> {
  const manifests = new Map<string, Blob>();
  for (const m of opts.manifests) {
    manifests.set(m.blob.digest, m.blob);
    if (m.tag) manifests.set(m.tag, m.blob);
  }
  const blobs = new Map((opts.blobs ?? []).map((b) => [b.digest as string, b]));
  const s = await startFaultServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const [, , , kind, ref] = url.pathname.split('/');
    if (url.pathname === '/v2/') return void res.writeHead(200).end('{}');
    if (kind === 'manifests') {
      const m = manifests.get(decodeURIComponent(ref ?? ''));
      if (!m) {
        res.writeHead(404, { 'content-type': 'application/json' });
        return void res.end('{"errors":[{"code":"MANIFEST_UNKNOWN"}]}');
      }
      res.writeHead(200, {
        'content-type': m.mediaType,
        'content-length': String(m.bytes.length),
        'docker-content-digest': m.digest,
      });
      return void res.end(req.method === 'HEAD' ? undefined : m.bytes);
    }
    if (kind === 'referrers') {
      if (opts.referrers) return opts.referrers(req, res);
      return void res.writeHead(404).end();
    }
    if (kind === 'blobs') {
      const b = blobs.get(ref ?? '');
      if (b) return void res.writeHead(200, { 'content-length': String(b.bytes.length) }).end(b.bytes);
      if (opts.blob) return opts.blob(req, res);
    }
    res.writeHead(404).end();
  });
  servers.push(s);
  return s;
}

/** Streams `chunk` until the client hangs up; returns a counter of bytes the server managed to write. */
function endless(
  chunk: Buffer,
  headers: Record<string, string> = {},
  prefix?: Buffer,
): { handler: Handler; sent: () => number } {
  let sent = 0;
  return {
    sent: () => sent,
    handler: (_req, res) => {
      let stopped = false;
      res.on('close', () => {
        stopped = true;
      });
      res.writeHead(200, headers);
      if (prefix) res.write(prefix);
      const pump = () => {
        while (!stopped && res.write(chunk)) sent += chunk.length;
        if (!stopped) res.once('drain', pump);
      };
      pump();
    },
  };
}

/** A layer needs a signature annotation to be fetched at all. */
const signed = { [CosignAnnotation.SIGNATURE]: 'MEUCIQDhostile' };
const sigTag = digestTag(img.manifest.digest, '.sig');
const MiB = 1024 * 1024;

describe('cosign GHSA-88jx-383q-w4qc: an attachment read whole into memory without a size check', () => {
  test('GHSA-88jx-383q-w4qc: an endless .sig layer is cut at the payload cap, not read to the end', async () => {
    const sig = buildSigManifest([
      { payload: simpleSigningPayload(img.manifest.digest, 'x/app'), annotations: signed },
    ]);
    const [config] = sig.blobs;
    const flood = endless(Buffer.alloc(256 * 1024, 0x41));
    const s = await registry({
      manifests: [
        { blob: img.manifest, tag: 'v1' },
        { blob: sig.manifest, tag: sigTag },
      ],
      blobs: [config!],
      blob: flood.handler,
    });
    const started = Date.now();
    const e = await expectFailure(
      discover(client().repository(s.host, 'app'), img.manifest.digest, {
        limits: { maxPayloadBytes: 4 * MiB },
      }),
    );
    expect(e.code).toBe('SIZE_LIMIT');
    expect(Date.now() - started).toBeLessThan(10_000);
    // What the registry pushed before trustgate hung up: the cap plus socket buffers, not gigabytes.
    expect(flood.sent()).toBeLessThan(4 * MiB + 16 * MiB);
  });

  test('GHSA-88jx-383q-w4qc: an attachment that declares 10 GB is refused before its body is read', async () => {
    const sig = buildSigManifest([
      { payload: simpleSigningPayload(img.manifest.digest, 'x/app'), annotations: signed },
    ]);
    const flood = endless(Buffer.alloc(64 * 1024, 0x41), { 'content-length': String(10 * 1024 ** 3) });
    const s = await registry({
      manifests: [
        { blob: img.manifest, tag: 'v1' },
        { blob: sig.manifest, tag: sigTag },
      ],
      blobs: [sig.blobs[0]!],
      blob: flood.handler,
    });
    const e = await expectFailure(discover(client().repository(s.host, 'app'), img.manifest.digest));
    expect(e.code).toBe('SIZE_LIMIT');
    expect(e.message).toContain('Content-Length 10737418240');
  });

  test('GHSA-88jx-383q-w4qc: an attachment trickled to hold the verifier is ended by the minimum rate', async () => {
    const sig = buildSigManifest([
      { payload: simpleSigningPayload(img.manifest.digest, 'x/app'), annotations: signed },
    ]);
    const s = await registry({
      manifests: [
        { blob: img.manifest, tag: 'v1' },
        { blob: sig.manifest, tag: sigTag },
      ],
      blobs: [sig.blobs[0]!],
      blob: (_req, res) => {
        res.writeHead(200);
        const t = setInterval(() => res.write('A'), 100);
        res.on('close', () => clearInterval(t));
      },
    });
    const started = Date.now();
    const e = await expectFailure(
      discover(client({ timeoutMs: 500 }).repository(s.host, 'app'), img.manifest.digest),
    );
    expect(e.code).toBe('TIMEOUT');
    expect(e.message).toContain('minimum transfer rate');
    expect(Date.now() - started).toBeLessThan(5000);
  });
});

describe('cosign GHSA-95pr-fxf5-86gv: allocations sized by counts in untrusted manifests', () => {
  test('GHSA-95pr-fxf5-86gv: a .sig manifest with 15,000 layers is refused before any layer is fetched', async () => {
    const payload = simpleSigningPayload(img.manifest.digest, 'x/app');
    const sig = buildSigManifest(Array.from({ length: 15_000 }, () => ({ payload, annotations: signed })));
    expect(sig.manifest.bytes.length).toBeLessThan(4 * MiB);
    const s = await registry({
      manifests: [
        { blob: img.manifest, tag: 'v1' },
        { blob: sig.manifest, tag: sigTag },
      ],
      blobs: sig.blobs,
    });
    const e = await expectFailure(discover(client().repository(s.host, 'app'), img.manifest.digest));
    expect(e.code).toBe('COUNT_LIMIT');
    expect(e.message).toContain('15000 layers');
    expect(s.seen.filter((r) => r.url.includes('/blobs/'))).toHaveLength(0);
  });

  test('GHSA-95pr-fxf5-86gv: a referrers list of 15,000 entries is refused', async () => {
    const entries = Array.from({ length: 15_000 }, (_, i) => ({
      mediaType: MediaType.OCI_MANIFEST,
      digest: sha256Digest(Buffer.from(`r${i}`)),
      size: 1,
      artifactType: CosignMediaType.SIGSTORE_BUNDLE_V03,
    }));
    const body = Buffer.from(
      JSON.stringify({ schemaVersion: 2, mediaType: MediaType.OCI_INDEX, manifests: entries }),
    );
    const s = await registry({
      manifests: [{ blob: img.manifest, tag: 'v1' }],
      referrers: (_req, res) =>
        res
          .writeHead(200, { 'content-type': MediaType.OCI_INDEX, 'content-length': String(body.length) })
          .end(body),
    });
    expect(body.length).toBeLessThan(4 * MiB);
    const e = await expectFailure(discover(client().repository(s.host, 'app'), img.manifest.digest));
    expect(e.code).toBe('COUNT_LIMIT');
    expect(s.seen.filter((r) => r.url.includes('/manifests/sha256:'))).toHaveLength(0);
  });

  test('GHSA-95pr-fxf5-86gv: a layout listing one 4 MB signature manifest 9,000 times reads it once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tg-adv-'));
    dirs.push(dir);
    const payload = simpleSigningPayload(img.manifest.digest, 'x/app');
    const sig = buildSigManifest([{ payload, annotations: { ...signed, pad: 'x'.repeat(4 * MiB - 4096) } }]);
    const entries = Array.from({ length: 9000 }, () =>
      descriptorOf(sig.manifest, { annotations: { [REF_NAME_ANNOTATION]: sigTag } }),
    );
    writeLayout(
      dir,
      [...img.blobs, ...sig.blobs, sig.manifest],
      [descriptorOf(img.manifest, { annotations: { [REF_NAME_ANNOTATION]: 'v1' } }), ...entries],
    );
    const src = new LayoutSource(dir);
    const started = Date.now();
    const found = await discover(src, img.manifest.digest);
    expect(found.simpleSigning).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(src.counters.bytes).toBeLessThan(2 * sig.manifest.bytes.length + 4 * MiB);
  });
});

describe('sigstore-go GHSA-cq38-jh5f-37mq: unbounded input in a bundle (endless tlog entries)', () => {
  test('GHSA-cq38-jh5f-37mq: a referrer bundle that streams tlog entries without end is cut at the payload cap', async () => {
    const bundleManifest: Blob = (() => {
      const bytes = Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: MediaType.OCI_MANIFEST,
          artifactType: CosignMediaType.SIGSTORE_BUNDLE_V03,
          config: {
            mediaType: 'application/vnd.oci.empty.v1+json',
            digest: sha256Digest(Buffer.from('{}')),
            size: 2,
          },
          layers: [
            {
              mediaType: CosignMediaType.SIGSTORE_BUNDLE_V03,
              digest: sha256Digest(Buffer.from('endless')),
              size: 7,
            },
          ],
          subject: descriptorOf(img.manifest),
        }),
      );
      return { digest: sha256Digest(bytes), bytes, mediaType: MediaType.OCI_MANIFEST };
    })();
    const referrersBody = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MediaType.OCI_INDEX,
        manifests: [descriptorOf(bundleManifest, { artifactType: CosignMediaType.SIGSTORE_BUNDLE_V03 })],
      }),
    );
    // The body a hostile registry streams: a bundle whose tlogEntries array never closes.
    const entry = Buffer.from(
      `{"logIndex":"1","logId":{"keyId":"AA=="},"kindVersion":{"kind":"hashedrekord","version":"0.0.1"},"integratedTime":"1","canonicalizedBody":"${'A'.repeat(1024)}"},`,
    );
    const head = Buffer.from(
      `{"mediaType":"${CosignMediaType.SIGSTORE_BUNDLE_V03}","verificationMaterial":{"tlogEntries":[`,
    );
    const flood = endless(entry, {}, head);
    const s = await registry({
      manifests: [{ blob: img.manifest, tag: 'v1' }, { blob: bundleManifest }],
      referrers: (_req, res) =>
        res
          .writeHead(200, {
            'content-type': MediaType.OCI_INDEX,
            'content-length': String(referrersBody.length),
          })
          .end(referrersBody),
      blob: flood.handler,
    });
    const started = Date.now();
    const e = await expectFailure(
      discover(client().repository(s.host, 'app'), img.manifest.digest, {
        limits: { maxPayloadBytes: 2 * MiB },
      }),
    );
    expect(e.code).toBe('SIZE_LIMIT');
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(flood.sent()).toBeLessThan(2 * MiB + 16 * MiB);
  });
});

describe('notation GHSA-rvrx-rrwh-r9p6: a registry serving an endless list of signatures', () => {
  test('GHSA-rvrx-rrwh-r9p6: referrers pages that never end are refused at the entry or page limit', async () => {
    let page = 0;
    const s = await registry({
      manifests: [{ blob: img.manifest, tag: 'v1' }],
      referrers: (_req, res) => {
        page++;
        const manifests = Array.from({ length: 100 }, (_, i) => ({
          mediaType: MediaType.OCI_MANIFEST,
          digest: sha256Digest(Buffer.from(`p${page}-${i}`)),
          size: 1,
          artifactType: 'application/vnd.cncf.notary.signature',
        }));
        const body = Buffer.from(
          JSON.stringify({ schemaVersion: 2, mediaType: MediaType.OCI_INDEX, manifests }),
        );
        res
          .writeHead(200, {
            'content-type': MediaType.OCI_INDEX,
            'content-length': String(body.length),
            link: `</v2/app/referrers/${img.manifest.digest}?page=${page + 1}>; rel="next"`,
          })
          .end(body);
      },
    });
    const started = Date.now();
    const e = await expectFailure(
      client()
        .repository(s.host, 'app')
        .referrers(img.manifest.digest as Digest),
    );
    expect(e.code).toBe('COUNT_LIMIT');
    expect(page).toBeLessThanOrEqual(11); // 1,000 referrers at most: the 11th page of 100 is refused
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  test('GHSA-rvrx-rrwh-r9p6: a tag list that pages forever is refused after a bounded number of pages', async () => {
    let page = 0;
    const tagServer = await startFaultServer((_req, res) => {
      page++;
      res.writeHead(200, {
        'content-type': 'application/json',
        link: `</v2/app/tags/list?n=1000&last=t${page}>; rel="next"`,
      });
      res.end(JSON.stringify({ name: 'app', tags: [`t${page}`] }));
    });
    servers.push(tagServer);
    const e = await expectFailure(client().repository(tagServer.host, 'app').listTags());
    expect(e.code).toBe('COUNT_LIMIT');
    expect(page).toBeLessThanOrEqual(101);
  });
});
