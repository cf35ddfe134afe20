/**
 * Registries that are slow on purpose: a trickled body, trickled headers, a stall that retries would
 * stretch. Every request has an overall deadline and a minimum transfer rate; a steady large download
 * is not mistaken for either.
 */
import { spawn } from 'node:child_process';
import { type AddressInfo, createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { MediaType } from '../../src/oci/media-types.js';
import { RegistryClient, type RegistryClientOptions } from '../../src/oci/registry/client.js';
import { sha256Digest } from '../../src/reference/digest.js';
import { expectFailure } from '../support/expect-failure.js';
import { type FaultServer, startFaultServer } from '../support/fault-server.js';
import { buildImage } from '../support/image-builder.js';
import { repoRoot } from '../support/repo-root.js';

const img = buildImage({ seed: 'slow-registry' });
const servers: FaultServer[] = [];
const clients: RegistryClient[] = [];
const cleanups: Array<() => void> = [];

afterEach(async () => {
  for (const c of cleanups.splice(0)) c();
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function serve(handler: Parameters<typeof startFaultServer>[0]): Promise<FaultServer> {
  const s = await startFaultServer(handler);
  servers.push(s);
  return s;
}

function client(opts: RegistryClientOptions = {}): RegistryClient {
  const c = new RegistryClient({ backoffMs: 10, useDockerConfig: false, ...opts });
  clients.push(c);
  return c;
}

/** Writes `bytes` in `step`-byte pieces every `everyMs`, after the headers, until done or closed. */
function trickle(bytes: Uint8Array, step: number, everyMs: number): Parameters<typeof startFaultServer>[0] {
  return (req, res) => {
    const headers = {
      'content-type': MediaType.OCI_MANIFEST,
      'content-length': String(bytes.length),
    };
    if (req.method === 'HEAD') {
      res.writeHead(200, headers).end(); // no Docker-Content-Digest: the client must GET the body
      return;
    }
    res.writeHead(200, headers);
    res.flushHeaders();
    let at = 0;
    const timer = setInterval(() => {
      if (at >= bytes.length) {
        clearInterval(timer);
        res.end();
        return;
      }
      res.write(bytes.subarray(at, at + step));
      at += step;
    }, everyMs);
    res.on('close', () => clearInterval(timer));
    cleanups.push(() => clearInterval(timer));
  };
}

describe('slow registries', () => {
  test('a body trickled at 1 byte/s fails on the minimum transfer rate within seconds', async () => {
    const s = await serve(trickle(img.manifest.bytes, 1, 1000));
    const started = Date.now();
    const e = await expectFailure(
      client({ timeoutMs: 1500, maxRetries: 3 }).repository(s.host, 'app').getManifest('v1'),
    );
    expect(e.code).toBe('TIMEOUT');
    expect(e.message).toContain('below the minimum transfer rate of 1024 bytes/s');
    expect(e.message).toContain(`manifest ${s.host}/app:v1`);
    expect(e.hint).toContain('--min-transfer-rate');
    expect(Date.now() - started).toBeLessThan(5000);
    expect(s.seen.filter((r) => r.method === 'GET')).toHaveLength(1); // not retried
  });

  test('with the rate check off, the request deadline still ends a trickle', async () => {
    const s = await serve(trickle(img.manifest.bytes, 1, 100));
    const started = Date.now();
    const e = await expectFailure(
      client({ timeoutMs: 1000, requestTimeoutMs: 1500, minTransferRate: 0 })
        .repository(s.host, 'app')
        .getManifest('v1'),
    );
    expect(e.code).toBe('TIMEOUT');
    expect(e.message).toContain('did not finish within the 1.5s request deadline (while reading the body)');
    expect(e.hint).toContain('--request-timeout');
    expect(Date.now() - started).toBeLessThan(3000);
  });

  test('a registry that answers every request just in time cannot hold a run past --run-timeout', async () => {
    // Each answer comes after 400 ms, inside every per-request limit; the run's budget is what ends it.
    const s = await serve((_req, res) => {
      const t = setTimeout(() => res.writeHead(404).end(), 400);
      cleanups.push(() => clearTimeout(t));
    });
    const c = client({ timeoutMs: 2000, runTimeoutMs: 1000, maxRetries: 0 });
    const repo = c.repository(s.host, 'app');
    const started = Date.now();
    const errors: Array<{ code?: string; message: string }> = [];
    for (let i = 0; i < 10; i++) {
      try {
        await repo.getManifest(`v${i}`);
      } catch (e) {
        errors.push(e as { code?: string; message: string });
        if ((e as { code?: string }).code === 'TIMEOUT') break;
      }
    }
    const last = errors.at(-1)!;
    expect(last.code).toBe('TIMEOUT');
    expect(last.message).toContain("the run's 1s for registry traffic is spent");
    expect(Date.now() - started).toBeLessThan(2500);
    expect(s.seen.length).toBeLessThan(6);
  });

  test('trickled response headers fail, though the socket is never idle', async () => {
    const sockets: Socket[] = [];
    const server = createServer((sock) => {
      sockets.push(sock);
      sock.on('error', () => undefined);
      const head = Buffer.from(`HTTP/1.1 200 OK\r\n${'x-pad: slow\r\n'.repeat(1000)}\r\n`);
      let at = 0;
      const timer = setInterval(() => {
        if (sock.destroyed || at >= head.length) return clearInterval(timer);
        sock.write(head.subarray(at, at + 1));
        at++;
      }, 50);
      cleanups.push(() => clearInterval(timer));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    cleanups.push(() => {
      for (const s of sockets) s.destroy();
      server.close();
    });
    const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
    const started = Date.now();
    const e = await expectFailure(
      client({ timeoutMs: 400, maxRetries: 1 }).repository(host, 'app').getManifest('v1'),
    );
    expect(e.code).toBe('TIMEOUT');
    expect(e.message).toContain('waiting for the response headers');
    expect(Date.now() - started).toBeLessThan(3000);
  });

  test('retries of a stalled registry stay inside one request deadline', async () => {
    const s = await serve(() => undefined);
    const started = Date.now();
    const e = await expectFailure(
      client({ timeoutMs: 300, maxRetries: 20, maxRetryTimeMs: 60_000, requestTimeoutMs: 1000 })
        .repository(s.host, 'app')
        .getManifest('v1'),
    );
    expect(e.code).toBe('TIMEOUT');
    // 21 attempts of 300 ms would be over 6 s; the deadline ends them after about one second.
    expect(Date.now() - started).toBeLessThan(2000);
    expect(s.seen.length).toBeLessThanOrEqual(4);
  });

  test('a steady large blob above the minimum rate is not cut off', async () => {
    const blob = Buffer.alloc(192 * 1024, 7);
    const digest = sha256Digest(blob);
    // 4 KiB every 20 ms ≈ 200 KiB/s for about a second: several 250 ms windows at 12× the floor.
    const s = await serve(trickle(blob, 4096, 20));
    const bytes = await client({ timeoutMs: 250, minTransferRate: 16 * 1024 })
      .repository(s.host, 'app')
      .getBlob(digest);
    expect(sha256Digest(bytes)).toBe(digest);
  });

  test('the same steady blob below the minimum rate is cut off', async () => {
    const blob = Buffer.alloc(192 * 1024, 7);
    const s = await serve(trickle(blob, 1024, 100)); // 10 KiB/s
    const e = await expectFailure(
      client({ timeoutMs: 250, minTransferRate: 64 * 1024 })
        .repository(s.host, 'app')
        .getBlob(sha256Digest(blob)),
    );
    expect(e.code).toBe('TIMEOUT');
    expect(e.message).toContain('minimum transfer rate');
  });
});

/** The built CLI, spawned without blocking this process (the fault server lives in it). */
function runCliAsync(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(repoRoot(), 'bin', 'trustgate.js'), ...args], {
      env: { ...process.env, NO_COLOR: '1', GITHUB_ACTIONS: '' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const kill = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('close', (code) => {
      clearTimeout(kill);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('CLI', () => {
  test('a trickling registry ends in one error line and exit 1, naming the deadline flag', async () => {
    const s = await serve(trickle(img.manifest.bytes, 1, 100));
    const started = Date.now();
    const r = await runCliAsync([
      'resolve',
      `${s.host}/app:v1`,
      '--idle-timeout',
      '1',
      '--request-timeout',
      '2',
      '--min-transfer-rate',
      '0',
    ]);
    expect(r.code).toBe(1);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('request deadline');
    expect(lines[0]).toContain('--request-timeout');
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  test('the same registry trips the default minimum transfer rate', async () => {
    const s = await serve(trickle(img.manifest.bytes, 1, 100));
    const r = await runCliAsync(['resolve', `${s.host}/app:v1`, '--idle-timeout', '1']);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('below the minimum transfer rate of 1024 bytes/s');
  });

  test("-t 1s (cosign's Go duration) ends a run against a registry that never answers", async () => {
    // Silent far longer than the test: only the run's deadline can end it (the idle limit is 30 s).
    const s = await serve(() => undefined);
    const started = Date.now();
    const r = await runCliAsync(['resolve', `${s.host}/app:v1`, '-t', '1s']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("the run's 1s for registry traffic is spent");
    expect(r.stderr).toContain('-t/--timeout');
    expect(Date.now() - started).toBeLessThan(8000);
    const bad = await runCliAsync(['resolve', `${s.host}/app:v1`, '--timeout', '-1s']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--timeout "-1s" is negative');
  });

  test('--help states the silence limit, the request deadline and the minimum rate', async () => {
    const r = await runCliAsync(['resolve', '--help']);
    expect(r.stdout).toContain('--idle-timeout <duration>');
    expect(r.stdout).toMatch(/-t, --timeout <duration>\s+the run's deadline/);
    expect(r.stdout).toMatch(/--request-timeout <duration>\s+overall deadline/);
    expect(r.stdout).toMatch(/--min-transfer-rate <bytes\/s>\s+abort a registry download slower/);
    expect(r.stdout).toMatch(/--run-timeout <duration>\s+the same as -t\/--timeout/);
    const bad = await runCliAsync(['resolve', 'example.com/a:b', '--request-timeout', '0']);
    expect(bad.code).toBe(2);
  });
});
