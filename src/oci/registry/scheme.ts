/**
 * Which scheme a registry is spoken to over, decided once per registry: https, or plain http where
 * that is permitted (loopback, or the caller's allowHttp) and the server does not speak TLS.
 */
import { TrustgateError } from '../../errors.js';
import { DEFAULT_REGISTRY } from '../../reference/parse.js';
import {
  type HttpRequest,
  type HttpResponse,
  type HttpTransport,
  isTlsProtocolMismatch,
} from './transport.js';

const LOOPBACK_RE = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])(?::\d+)?$/i;

export function isLoopbackHost(host: string): boolean {
  return LOOPBACK_RE.test(host);
}

/** Docker Hub's API lives at another host than its name. */
export function registryApiHost(registry: string): string {
  return registry === DEFAULT_REGISTRY ? 'registry-1.docker.io' : registry;
}

/** A request to a registry, by path; the scheme and host are filled in here. */
export type RegistryRequest = Omit<HttpRequest, 'url'> & { path: string };

/** The scheme and host every later request to one registry uses, once learned. */
export interface Endpoint {
  base: string | undefined;
}

/**
 * Send `req` to `registry`, learning `endpoint.base` on the first request: a loopback registry is
 * probed over plain HTTP first; elsewhere https is tried, and plain http follows only when permitted
 * and the server answered the TLS handshake in plain HTTP.
 */
export async function sendToRegistry(
  transport: HttpTransport,
  allowHttp: boolean,
  registry: string,
  endpoint: Endpoint,
  req: RegistryRequest,
): Promise<HttpResponse> {
  const host = registryApiHost(registry);
  const mayUseHttp = allowHttp || isLoopbackHost(host);
  if (endpoint.base === undefined && isLoopbackHost(host)) {
    const answered = await probeLoopbackHttp(transport, host, endpoint, req);
    if (answered) return answered;
  }
  if (endpoint.base === undefined) {
    try {
      const res = await transport.send({ ...req, url: `https://${host}${req.path}` });
      endpoint.base = `https://${host}`;
      return res;
    } catch (e) {
      if (!(mayUseHttp && isTlsProtocolMismatch(e))) throw e;
      endpoint.base = `http://${host}`;
    }
  }
  return transport.send({ ...req, url: `${endpoint.base}${req.path}` });
}

/**
 * A loopback registry is tried over plain HTTP first, with no credentials: that traffic never leaves
 * the machine, local registries are usually plain HTTP, and it spares loading TLS (~30 ms of
 * start-up). A TLS server answers a plain request with 400 or drops it; then HTTPS is used.
 */
async function probeLoopbackHttp(
  transport: HttpTransport,
  host: string,
  endpoint: Endpoint,
  req: RegistryRequest,
): Promise<HttpResponse | undefined> {
  const url = `http://${host}${req.path}`;
  let res: HttpResponse;
  try {
    res = await transport.send({ ...req, authorization: undefined, url });
  } catch (e) {
    // Refused or reset: maybe a TLS-only server. A timeout is an answer of its own and stands.
    if (e instanceof TrustgateError && e.code === 'REGISTRY_UNREACHABLE') return undefined;
    throw e;
  }
  if (res.status === 400) return undefined;
  endpoint.base = `http://${host}`;
  return req.authorization ? transport.send({ ...req, url }) : res;
}
