/**
 * Small HTTP helpers of the server: a reply value handlers return, writing it, and reading a bounded JSON body.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** What a handler answers: status, extra headers and a JSON body (object) or a text body (string). */
export interface Reply {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: unknown;
  /** Content type of a string body (default text/plain). */
  readonly contentType?: string;
}

/** A request failure the client can fix: becomes `status` with `{ errorCode, errorDetails }` (OFREP's error shape). */
export class HttpError extends Error {
  readonly status: number;
  readonly errorCode: string;
  constructor(status: number, errorCode: string, message: string) {
    super(message);
    this.status = status;
    this.errorCode = errorCode;
  }
}

/** Largest request body accepted (an evaluation context), in bytes. */
export const MAX_BODY_BYTES = 1024 * 1024;

/** Writes `reply` (HEAD requests get the headers only). */
export function send(req: IncomingMessage, res: ServerResponse, reply: Reply): void {
  const headers: Record<string, string> = { ...reply.headers };
  let payload: string | undefined;
  if (reply.body !== undefined) {
    if (typeof reply.body === 'string') {
      payload = reply.body;
      headers['Content-Type'] ??= reply.contentType ?? 'text/plain; charset=utf-8';
    } else {
      payload = JSON.stringify(reply.body);
      headers['Content-Type'] = 'application/json; charset=utf-8';
    }
    headers['Content-Length'] = String(Buffer.byteLength(payload));
  }
  res.writeHead(reply.status, headers);
  res.end(req.method === 'HEAD' ? undefined : payload);
}

/** Reads and parses a JSON body of at most {@link MAX_BODY_BYTES}; an empty body is `{}`. Errors: HttpError 400/413. */
export async function readJsonBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) {
      throw new HttpError(
        413,
        'GENERAL',
        `The request body is larger than ${MAX_BODY_BYTES} bytes; send a smaller context.`,
      );
    }
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new HttpError(
      400,
      'PARSE_ERROR',
      `The request body is not JSON (${(e as Error).message}); send {"context": {...}}.`,
    );
  }
}
