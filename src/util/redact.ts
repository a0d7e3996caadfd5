// Credentials must never reach a terminal or a log: every URL that is shown
// goes through here first.

/** Strip userinfo (user:password@) and obvious secret query parameters. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.username || u.password) {
      u.username = '';
      u.password = '';
    }
    for (const k of [...u.searchParams.keys()]) {
      if (/token|secret|password|passwd|key|sig/i.test(k)) u.searchParams.set(k, 'REDACTED');
    }
    return u.toString();
  } catch {
    return url.replace(/\/\/[^/@\s]*@/, '//');
  }
}
