/**
 * URLs in messages lose their query string and userinfo: storage redirects carry signed
 * credentials there, and token realms may too.
 */
export function safeUrl(url: string | URL): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    const hadQuery = u.search.length > 0;
    u.search = '';
    u.hash = '';
    return hadQuery ? `${u.toString()}?…` : u.toString();
  } catch {
    return '(invalid URL)';
  }
}
