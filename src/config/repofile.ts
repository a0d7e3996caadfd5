// yum/dnf .repo files (INI): the host's /etc/yum.repos.d, so a manifest can
// name a repository by id as rpmoci allows. Parsing follows libdnf's
// ConfigParser: [section] headers, key=value, continuation lines that start
// with whitespace, # and ; comment lines, no inline comments.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import type { RepoDefinition } from '../repo/types.js';
import { buildRepoDefinition, substitute, REPO_ID_RE, type RawOption } from './repooptions.js';
import { configError } from './where.js';

export interface RepoSection {
  id: string;
  file: string;
  line: number;
  options: RawOption[];
}

/** Split a .repo file into sections with every option's line; values are substituted with `vars`. */
export function parseRepoSections(text: string, file: string, vars: Record<string, string>): RepoSection[] {
  const sections: RepoSection[] = [];
  let cur: RepoSection | undefined;
  let last: RawOption | undefined;
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n].replace(/\r$/, '');
    const lineNo = n + 1;
    if (/^[ \t]/.test(line) && line.trim() !== '' && last) {
      // Continuation of a multi-line value (baseurl/gpgkey lists).
      last.value += `\n${substitute(line.trim(), vars)}`;
      continue;
    }
    const t = line.trim();
    if (t === '') {
      last = undefined;
      continue;
    }
    if (t[0] === '#' || t[0] === ';') continue;
    if (t[0] === '[') {
      const m = /^\[([^\]]*)\]$/.exec(t);
      if (!m) throw configError({ file, line: lineNo, column: 1 }, undefined, `malformed section header ${JSON.stringify(t)}`, 'a section header looks like [repo-id]');
      const id = substitute(m[1].trim(), vars);
      if (!REPO_ID_RE.test(id)) throw configError({ file, line: lineNo, column: 2 }, undefined, `invalid repository id ${JSON.stringify(id)}`, 'repository ids may contain letters, digits and - _ . :');
      cur = { id, file, line: lineNo, options: [] };
      sections.push(cur);
      last = undefined;
      continue;
    }
    const eq = line.indexOf('=');
    if (eq < 0) throw configError({ file, line: lineNo, column: 1 }, undefined, `expected key=value, got ${JSON.stringify(t)}`);
    const key = line.slice(0, eq).trim();
    const column = line.indexOf(key) + 1;
    if (!cur) throw configError({ file, line: lineNo, column }, key, 'option outside of any [section]', 'put options below a [repo-id] header');
    if (!/^[A-Za-z0-9_.-]+$/.test(key)) throw configError({ file, line: lineNo, column }, key, `invalid option name ${JSON.stringify(key)}`);
    const opt: RawOption = { key, value: substitute(line.slice(eq + 1).trim(), vars), loc: { file, line: lineNo, column }, label: `[${cur.id}] ${key}` };
    // Last assignment wins, as in libdnf.
    cur.options = cur.options.filter((o) => o.key !== key);
    cur.options.push(opt);
    last = opt;
  }
  return sections;
}

/** Interpret one section. A section without baseurl, metalink or mirrorlist is refused. */
export function sectionToRepo(s: RepoSection): RepoDefinition {
  const def = buildRepoDefinition(s.id, s.options);
  if (def.baseurl.length === 0 && !def.metalink && !def.mirrorlist) {
    throw configError({ file: s.file, line: s.line, column: 1 }, `[${s.id}]`, 'repository has no baseurl, metalink or mirrorlist', 'add baseurl=https://... to the section');
  }
  return def;
}

/** Parse a whole .repo file into repository definitions (every section, enabled or not). */
export function parseRepoFile(text: string, file: string, vars: Record<string, string>): RepoDefinition[] {
  return parseRepoSections(text, file, vars)
    .filter((s) => s.id !== 'main')
    .map(sectionToRepo);
}

/**
 * Every section of every *.repo file in `dirs` (files in name order; the
 * first definition of an id wins, as dnf keeps the first). Unreadable
 * directories are skipped: a host without yum.repos.d simply has no ids.
 */
export function scanReposDirs(dirs: string[], vars: Record<string, string>): Map<string, RepoSection> {
  const out = new Map<string, RepoSection>();
  for (const dir of dirs) {
    let names: string[];
    try {
      if (!statSync(dir).isDirectory()) continue;
      names = readdirSync(dir).filter((f) => f.endsWith('.repo')).sort();
    } catch {
      continue;
    }
    for (const name of names) {
      const file = path.join(dir, name);
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch {
        continue;
      }
      for (const s of parseRepoSections(text, file, vars)) {
        if (s.id !== 'main' && !out.has(s.id)) out.set(s.id, s);
      }
    }
  }
  return out;
}
