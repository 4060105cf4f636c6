/**
 * The HTTP listener's routes: OFREP, the flagd JSON document per environment, health, readiness and metrics.
 * Handlers are thin: access control (auth.ts), the distributor's cached state, and the delivery modules.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { errorMessage } from '@rollgate/shared/errors';
import type { EvaluationContext } from '@rollgate/shared/eval';
import { secretFromHeaders, type AccessControl } from './auth.ts';
import type { Distributor, EnvironmentState } from './delivery/distributor.ts';
import { evaluateAll, evaluateFlag, ofrepRequestSchema } from './delivery/ofrep.ts';
import { HttpError, readJsonBody, send, type Reply } from './http-util.ts';
import type { ServerMetrics } from './metrics.ts';
import type { UsageStore } from '@rollgate/shared/telemetry/usage-store';
import { postUsage } from './api/usage.ts';
import type { RemoteApi } from './api/remote-api.ts';

export interface HttpDeps {
  readonly distributor: Distributor;
  readonly access: AccessControl;
  readonly metrics: ServerMetrics;
  readonly log: (message: string) => void;
  /** Where `POST /v1/usage` adds evaluation counts. */
  readonly usage: UsageStore;
  /** Remote mode (`/api/v1/*`, API tokens); absent: those endpoints answer 404. */
  readonly api?: RemoteApi;
}

const CORS_HEADERS = {
  // OFREP web providers and CDNs call from other origins; every answer needs a key or loopback anyway.
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Headers': 'Authorization, X-API-Key, Content-Type, If-None-Match',
  'Access-Control-Expose-Headers': 'ETag',
  'Access-Control-Allow-Methods': 'GET, HEAD, POST, OPTIONS',
} as const;

const OFREP_FLAG = /^\/ofrep\/v1\/evaluate\/flags\/([^/]+)$/;
const FLAGD_JSON = /^\/flagd\/([^/]+)\.flagd\.json$/;

interface Route {
  readonly endpoint: string;
  readonly methods: readonly string[];
  readonly handle: (req: IncomingMessage, match: RegExpExecArray) => Promise<Reply>;
}

/** The request handler of the HTTP listener. Never throws: unexpected errors become 500 and a log line. */
export function createHttpHandler(deps: HttpDeps): (req: IncomingMessage, res: ServerResponse) => void {
  const { distributor, access, metrics } = deps;

  /** The granted environment's state, or the HttpError that ends the request. */
  async function environmentFor(req: IncomingMessage, requested: string | undefined): Promise<EnvironmentState> {
    const secret = secretFromHeaders(req.headers.authorization, headerOf(req, 'x-api-key'));
    const result = await access.check(secret, requested, 'set context.environment');
    if (!result.ok) {
      throw new HttpError(result.status, result.status === 400 ? 'INVALID_CONTEXT' : 'GENERAL', result.message);
    }
    const state = distributor.get(result.environment);
    if (state !== undefined) return state;
    if (!distributor.readiness().ready) throw new HttpError(503, 'GENERAL', 'Flags are not loaded yet; retry shortly.');
    throw new HttpError(
      404,
      'GENERAL',
      `Unknown environment "${result.environment}". Use one of: ${distributor.environments().join(', ')}.`,
    );
  }

  async function ofrepInput(req: IncomingMessage): Promise<{ state: EnvironmentState; context: EvaluationContext }> {
    const parsed = ofrepRequestSchema.safeParse(await readJsonBody(req));
    if (!parsed.success) {
      throw new HttpError(400, 'INVALID_CONTEXT', 'The body must be {"context": {...}} with an object as context.');
    }
    const context = (parsed.data.context ?? {}) as EvaluationContext;
    // Without a key (loopback, no keys) the context names the environment.
    const named = typeof context.environment === 'string' ? context.environment : undefined;
    return { state: await environmentFor(req, named), context };
  }

  const routes: readonly [RegExp, Route][] = [
    [
      /^\/healthz$/,
      { endpoint: 'healthz', methods: ['GET', 'HEAD'], handle: () => Promise.resolve({ status: 200, body: 'ok\n' }) },
    ],
    [
      /^\/readyz$/,
      {
        endpoint: 'readyz',
        methods: ['GET', 'HEAD'],
        handle: () => {
          const { ready, reason } = distributor.readiness();
          return Promise.resolve({ status: ready ? 200 : 503, body: ready ? 'ready\n' : `not ready: ${reason}\n` });
        },
      },
    ],
    [
      /^\/metrics$/,
      {
        endpoint: 'metrics',
        methods: ['GET'],
        handle: async () => ({
          status: 200,
          body: await metrics.registry.metrics(),
          contentType: metrics.registry.contentType,
        }),
      },
    ],
    [
      /^\/ofrep\/v1\/evaluate\/flags$/,
      {
        endpoint: 'ofrep_bulk',
        methods: ['POST'],
        handle: async (req) => {
          const { state, context } = await ofrepInput(req);
          return evaluateAll(state, context, headerOf(req, 'if-none-match'));
        },
      },
    ],
    [
      OFREP_FLAG,
      {
        endpoint: 'ofrep_flag',
        methods: ['POST'],
        handle: async (req, match) => {
          const key = decodeURIComponent(match[1] ?? '');
          const { state, context } = await ofrepInput(req);
          return evaluateFlag(state, key, context);
        },
      },
    ],
    [
      /^\/v1\/usage$/,
      {
        endpoint: 'usage',
        methods: ['POST'],
        handle: (req) => postUsage(req, access, deps.usage, headerOf(req, 'x-api-key')),
      },
    ],
    [
      /^\/api\/v1\/([a-z-]+)$/,
      {
        endpoint: 'api',
        methods: ['GET', 'POST'],
        handle: (req, match) => {
          if (deps.api === undefined) throw new HttpError(404, 'GENERAL', 'Remote mode is not enabled on this server.');
          return deps.api(req, match[1] ?? '');
        },
      },
    ],
    [
      FLAGD_JSON,
      {
        endpoint: 'flagd_json',
        methods: ['GET', 'HEAD'],
        handle: async (req, match) => {
          const state = await environmentFor(req, decodeURIComponent(match[1] ?? ''));
          const headers = { ETag: state.etag, 'Cache-Control': 'no-cache' };
          if (
            headerOf(req, 'if-none-match')
              ?.split(',')
              .some((t) => t.trim() === state.etag)
          ) {
            return { status: 304, headers };
          }
          return { status: 200, headers, body: state.json, contentType: 'application/json; charset=utf-8' };
        },
      },
    ],
  ];

  function find(path: string): { route: Route; match: RegExpExecArray } | undefined {
    for (const [pattern, route] of routes) {
      const match = pattern.exec(path);
      if (match !== null) return { route, match };
    }
    return undefined;
  }

  async function handle(req: IncomingMessage): Promise<{ endpoint: string; reply: Reply }> {
    const path = (req.url ?? '/').split('?', 1)[0] ?? '/';
    const found = find(path);
    if (found === undefined) {
      return {
        endpoint: 'unknown',
        reply: errorReply(new HttpError(404, 'GENERAL', `No endpoint ${path}; see docs/server.md.`)),
      };
    }
    const { route, match } = found;
    if (req.method === 'OPTIONS') return { endpoint: route.endpoint, reply: { status: 204 } };
    if (!route.methods.includes(req.method ?? '')) {
      return {
        endpoint: route.endpoint,
        reply: {
          ...errorReply(new HttpError(405, 'GENERAL', `Use ${route.methods.join(' or ')} for ${path}.`)),
          headers: { Allow: route.methods.join(', ') },
        },
      };
    }
    try {
      return { endpoint: route.endpoint, reply: await route.handle(req, match) };
    } catch (e) {
      if (e instanceof HttpError) return { endpoint: route.endpoint, reply: errorReply(e) };
      deps.log(`${route.endpoint} failed: ${errorMessage(e)}`);
      return {
        endpoint: route.endpoint,
        reply: { status: 500, body: { errorDetails: 'Internal error; see the server log.' } },
      };
    }
  }

  return (req, res) => {
    handle(req)
      .then(({ endpoint, reply }) => {
        metrics.requests.inc({ endpoint, status: String(reply.status) });
        send(req, res, { ...reply, headers: { ...CORS_HEADERS, ...reply.headers } });
      })
      .catch((e: unknown) => {
        deps.log(`cannot answer ${req.method} ${req.url}: ${errorMessage(e)}`);
        res.destroy();
      });
  };
}

function headerOf(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function errorReply(e: HttpError): Reply {
  return { status: e.status, body: { errorCode: e.errorCode, errorDetails: e.message } };
}
