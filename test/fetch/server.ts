// A local HTTP server for fetch tests: serves files from memory and can
// misbehave on purpose (503s, dropped connections, truncated or wrong
// bodies, redirects, auth), honouring Range like a real server.
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';

export type Fault =
  | { kind: 'status'; status: number; times?: number }
  | { kind: 'drop'; after: number; times?: number } // send `after` bytes, then reset the socket
  | { kind: 'truncate'; after: number; times?: number } // no Content-Length; close cleanly after `after` bytes
  | { kind: 'body'; body: Buffer; times?: number } // serve other bytes
  | { kind: 'redirect'; to: string; times?: number }
  | { kind: 'auth'; user: string; pass: string };

export interface Served {
  url: string;
  files: Map<string, Buffer>;
  faults: Map<string, Fault[]>;
  log: { path: string; range?: string; auth?: string; status: number }[];
  close(): Promise<void>;
}

/** Serve `files` (by URL path) and, for other paths, files under `dir` on disk. */
export async function serve(files: Record<string, Buffer>, dir?: string): Promise<Served> {
  const map = new Map(Object.entries(files));
  const faults = new Map<string, Fault[]>();
  const log: Served['log'] = [];
  const server = http.createServer((req, res) => {
    const p = decodeURIComponent((req.url ?? '/').split('?')[0]);
    const entry = { path: p, range: req.headers.range, auth: req.headers.authorization, status: 200 };
    log.push(entry);
    const fs = faults.get(p) ?? [];
    const f = fs.find((x) => x.kind === 'auth' || x.times === undefined || x.times > 0);
    if (f && f.kind !== 'auth' && f.times !== undefined) f.times--;
    const send = (status: number, headers: http.OutgoingHttpHeaders = {}, body?: Buffer) => {
      entry.status = status;
      res.writeHead(status, headers);
      res.end(body);
    };
    if (f?.kind === 'auth') {
      const want = `Basic ${Buffer.from(`${f.user}:${f.pass}`).toString('base64')}`;
      if (req.headers.authorization !== want) return send(401, { 'www-authenticate': 'Basic realm="x"' });
    }
    if (f?.kind === 'status') return send(f.status);
    if (f?.kind === 'redirect') return send(302, { location: f.to });
    let data = f?.kind === 'body' ? f.body : map.get(p);
    if (!data && dir && !p.includes('..')) {
      const file = path.join(dir, p);
      try {
        if (statSync(file).isFile()) data = readFileSync(file);
      } catch {
        // not there: 404 below
      }
    }
    if (!data) return send(404);
    let status = 200;
    const headers: http.OutgoingHttpHeaders = { 'accept-ranges': 'bytes' };
    const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    if (m) {
      const start = Number(m[1]);
      if (start >= data.length) return send(416, { 'content-range': `bytes */${data.length}` });
      headers['content-range'] = `bytes ${start}-${data.length - 1}/${data.length}`;
      data = data.subarray(start);
      status = 206;
    }
    entry.status = status;
    if (f?.kind === 'truncate') {
      res.writeHead(status, headers);
      res.end(data.subarray(0, f.after));
      return;
    }
    headers['content-length'] = data.length;
    res.writeHead(status, headers);
    if (f?.kind === 'drop') {
      res.write(data.subarray(0, f.after), () => setTimeout(() => req.socket.destroy(), 20));
      return;
    }
    res.end(data);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/`,
    files: map,
    faults,
    log,
    close: () => new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
}
