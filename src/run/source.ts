/**
 * Where a run's images come from. The one place that opens a registry client for a run, so that
 * each client is closed by whoever opened it, and a caller's own client is never closed for it.
 */
import { RegistryClient, type RegistryClientOptions } from '../oci/registry/client.js';
import type { Source } from './context.js';

export type SourceOptions = RegistryClientOptions & { client?: RegistryClient; platform?: string };

/** The caller's client when given (close() leaves it open), else a new one that close() closes. */
export function sourceFrom(o: SourceOptions): Source {
  const given = o.client;
  const client = given ?? new RegistryClient(o);
  return {
    client,
    ...(o.platform ? { platform: o.platform } : {}),
    close: () => (given ? Promise.resolve() : client.close()),
  };
}

/** fn with a source that is closed when fn settles, whether it returned or threw. */
export async function withSource<T>(o: SourceOptions, fn: (s: Source) => Promise<T>): Promise<T> {
  const source = sourceFrom(o);
  try {
    return await fn(source);
  } finally {
    await source.close();
  }
}
