/**
 * Streamable HTTP transport: one MCP session per client, each with its own server over the shared store.
 * Loopback by default; DNS-rebinding protection checks the Host header against the bound address, a foreign
 * `Origin` is refused (403), and with a token every request needs `Authorization: Bearer <token>` (401).
 */
import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import { isLoopbackHost } from './config.ts';
import { createServer, type RollgateServer } from './server.ts';
import type { ServerDeps } from './writes.ts';

/** A listening HTTP endpoint. */
export interface HttpEndpoint {
  /** e.g. `http://127.0.0.1:3920/mcp`. */
  readonly url: string;
  readonly close: () => Promise<void>;
}

const MCP_PATH = '/mcp';

/**
 * Starts listening on `host:port` (port 0 picks a free one) and serves MCP at `/mcp`. With `token`, every request
 * must carry it as a bearer token. The caller refuses a non-loopback host without a token (see main.ts).
 */
export async function startHttpServer(
  deps: ServerDeps,
  host: string,
  port: number,
  token?: string,
): Promise<HttpEndpoint> {
  const sessions = new Map<string, { transport: StreamableHTTPServerTransport; server: RollgateServer }>();
  let allowedHosts: string[] = [];
  const tokenDigest = token === undefined ? undefined : digest(token);

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    // Security: browsers send Origin; a page from another origin must not drive this server (MCP spec, DNS rebinding).
    const origin = req.headers.origin;
    if (origin !== undefined && !isAllowedOrigin(origin, allowedHosts)) {
      res.writeHead(403, { 'content-type': 'text/plain' }).end(`Origin ${origin} is not allowed.\n`);
      return;
    }
    // Security: compare digests in constant time; the token itself is never logged.
    if (tokenDigest && !timingSafeEqual(digest(bearerOf(req)), tokenDigest)) {
      res
        .writeHead(401, { 'content-type': 'text/plain', 'www-authenticate': 'Bearer realm="rollgate-mcp"' })
        .end('Missing or wrong bearer token: send "Authorization: Bearer <token>" (the --token the server got).\n');
      return;
    }
    if (new URL(req.url ?? '/', 'http://localhost').pathname !== MCP_PATH) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end(`Not found; the MCP endpoint is ${MCP_PATH}\n`);
      return;
    }
    const sessionId = req.headers['mcp-session-id'];
    const existing = typeof sessionId === 'string' ? sessions.get(sessionId) : undefined;
    if (existing) {
      await existing.transport.handleRequest(req, res, req.method === 'POST' ? await readJson(req) : undefined);
      return;
    }
    const body = req.method === 'POST' ? await readJson(req) : undefined;
    if (sessionId !== undefined || !isInitializeRequest(body)) {
      res.writeHead(sessionId === undefined ? 400 : 404, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          jsonrpc: '2.0',
          error: { code: -32000, message: 'No valid session: start with an initialize request.' },
          id: null,
        }),
      );
      return;
    }
    const server = createServer(deps);
    const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => {
        sessions.set(id, { transport, server });
      },

      // Security: a web page must not reach a loopback server through a rebound DNS name.
      enableDnsRebindingProtection: isLoopbackHost(host),
      allowedHosts,
    });
    // A session ends when the client deletes it or the transport closes: forget it and stop its server.
    transport.onclose = () => {
      if (transport.sessionId) sessions.delete(transport.sessionId);
      server.close().catch((e: unknown) => deps.log(`closing a session failed: ${String(e)}`));
    };
    await server.server.connect(transport);
    await transport.handleRequest(req, res, body);
  };

  const http = createHttpServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      deps.log(`HTTP request failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      if (!res.headersSent) res.writeHead(e instanceof SyntaxError ? 400 : 500).end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(port, host, () => resolve());
  });
  const bound = (http.address() as AddressInfo).port;
  allowedHosts = [`${host}:${bound}`, `localhost:${bound}`, `127.0.0.1:${bound}`, `[::1]:${bound}`];
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${bound}${MCP_PATH}`;
  return {
    url,
    close: async () => {
      await Promise.all([...sessions.values()].map((s) => s.server.close()));
      sessions.clear();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

function bearerOf(req: IncomingMessage): string {
  const match = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  return match?.[1] ?? '';
}

/** An Origin is allowed when it names this server itself (one of its host:port spellings). */
function isAllowedOrigin(origin: string, allowedHosts: readonly string[]): boolean {
  try {
    const url = new URL(origin);
    return (url.protocol === 'http:' || url.protocol === 'https:') && allowedHosts.includes(url.host);
  } catch {
    return false;
  }
}

const MAX_BODY_BYTES = 4 * 1024 * 1024;

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    // Security: a client cannot make the server buffer an unbounded body.
    if (size > MAX_BODY_BYTES) throw new SyntaxError(`Request body over ${MAX_BODY_BYTES} bytes.`);
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  return text === '' ? undefined : (JSON.parse(text) as unknown);
}
