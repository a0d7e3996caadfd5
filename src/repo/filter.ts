// includepkgs / excludepkgs: dnf-style globs matched against package names.
import type { Package } from './types.js';

/** A shell glob (* ? [..]) as an anchored RegExp. */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] as string;
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 2);
      if (end < 0) re += '\\[';
      else {
        let body = glob.slice(i + 1, end);
        if (body.startsWith('!')) body = `^${body.slice(1)}`;
        re += `[${body.replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

export function isGlob(s: string): boolean {
  return /[*?[]/.test(s);
}

/** Package filter for a repo, or undefined when everything passes. */
export function makeNameFilter(include: string[], exclude: string[]): ((name: string) => boolean) | undefined {
  const split = (xs: string[]) => xs.flatMap((x) => x.split(/[\s,]+/)).filter(Boolean);
  const inc = split(include).map(globToRegExp);
  const exc = split(exclude).map(globToRegExp);
  if (!inc.length && !exc.length) return undefined;
  return (name) => (!inc.length || inc.some((r) => r.test(name))) && !exc.some((r) => r.test(name));
}

export function filterPackages(pkgs: Package[], include: string[], exclude: string[]): Package[] {
  const f = makeNameFilter(include, exclude);
  return f ? pkgs.filter((p) => f(p.name)) : pkgs;
}
