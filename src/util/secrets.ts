/**
 * The secrets this process knows (registry passwords and tokens, from flags, the environment, Docker's
 * config, credential helpers, and tokens issued during the run), and `redact` that removes them from
 * any text. Redaction is applied where text leaves the process (error rendering, the CLI's writers,
 * output files, the audit log), so a secret that a registry echoes back in an error body, or that a
 * future message quotes by mistake, never reaches a terminal, a CI log or an archive.
 *
 * Process-wide on purpose: a secret learned by one RegistryClient must be hidden from output written
 * by code that never saw that client.
 */

/**
 * Secrets shorter than this are not redacted verbatim: replacing every "ab" in ordinary text would
 * mangle output and still reveal the secret by elimination. Their Basic (base64 user:password) form
 * is long and is redacted. A 3-character password is no secret worth hiding anyway.
 */
export const MIN_SECRET_LENGTH = 4;

export const REDACTED = '[REDACTED]';

const secrets = new Set<string>();
let pattern: RegExp | undefined;

/** Remember `value` (and the forms it takes in URLs, JSON and Basic headers) as a secret. */
export function registerSecret(value: string | undefined): void {
  if (value === undefined || value.length < MIN_SECRET_LENGTH) return;
  const forms = [value, encodeURIComponent(value), JSON.stringify(value).slice(1, -1)];
  let added = false;
  for (const f of forms) {
    if (f.length >= MIN_SECRET_LENGTH && !secrets.has(f)) {
      secrets.add(f);
      added = true;
    }
  }
  if (added) pattern = undefined;
}

/** Remember a user name and password pair: the password, and the Basic header value built from both. */
export function registerBasicSecret(username: string, password: string): void {
  registerSecret(password);
  registerSecret(Buffer.from(`${username}:${password}`).toString('base64'));
}

/** `text` with every known secret replaced by [REDACTED]. */
export function redact(text: string): string {
  if (secrets.size === 0 || text.length === 0) return text;
  // Most text holds no secret. Checking that first keeps every new token (one per repository scope)
  // from forcing a rebuild of the whole alternation on the next error or output line.
  let found = false;
  for (const s of secrets)
    if (text.includes(s)) {
      found = true;
      break;
    }
  if (!found) return text;
  if (!pattern) {
    // Longest first, so a secret that contains another is replaced whole.
    const sorted = [...secrets].sort((a, b) => b.length - a.length);
    pattern = new RegExp(sorted.map(escapeRegExp).join('|'), 'g');
  }
  return text.replace(pattern, REDACTED);
}

/** @internal tests only: forget every secret. */
export function clearSecrets(): void {
  secrets.clear();
  pattern = undefined;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
