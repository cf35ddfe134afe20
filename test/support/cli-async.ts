/**
 * The CLI spawned without blocking the test process, for tests whose in-process servers must keep
 * answering while it runs (runCli's spawnSync would stall them). Also: a recording HTTP server on any
 * loopback address (127.0.0.2 stands for "another host").
 */
import { spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { repoRoot } from './repo-root.js';
import type { CliResult } from './run-cli.js';

export function runCliAsync(
  args: string[],
  opts: { cwd?: string; env?: Record<string, string> } = {},
): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(repoRoot(), 'bin', 'trustgate.js'), ...args], {
      cwd: opts.cwd ?? repoRoot(),
      env: {
        ...process.env,
        NO_COLOR: '',
        FORCE_COLOR: '',
        GITHUB_ACTIONS: '',
        GITHUB_STEP_SUMMARY: '',
        TRUSTGATE_REGISTRY_USERNAME: '',
        TRUSTGATE_REGISTRY_PASSWORD: '',
        TRUSTGATE_REGISTRY_TOKEN: '',
        TRUSTGATE_REGISTRY_HOST: '',
        ...opts.env,
      },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

export interface Recorded {
  method: string;
  url: string;
  authorization: string | undefined;
}

export interface RecordingServer {
  host: string;
  seen: Recorded[];
  close(): Promise<void>;
}

/** An HTTP server on `address` (any 127/8 address) that records every request's Authorization. */
export async function recordingServer(
  address: string,
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<RecordingServer> {
  const seen: Recorded[] = [];
  const server = createServer((req, res) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', authorization: req.headers.authorization });
    handler(req, res);
  });
  await new Promise<void>((r) => server.listen(0, address, r));
  const { port } = server.address() as AddressInfo;
  return {
    host: `${address}:${port}`,
    seen,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
