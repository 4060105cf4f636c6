/**
 * The stdio front door (issue 12: cold start). A client's first requests are `initialize` and `tools/list`; their
 * replies do not depend on the store, so they are answered from {@link StartupReplies} baked into the bundle at build
 * time, without loading the MCP SDK, zod, the tools or the store. The first other message hands the connection over to
 * the server proper: it is loaded, gets the client's `initialize` (and `notifications/initialized`) replayed so it
 * knows the client (name for the audit actor, elicitation support) — its reply to the replay is dropped — and from
 * then on reads the client's bytes and writes the replies itself. Anything the front door is unsure of (a line that is
 * not JSON, an initialize without client info …) is handed over too, so the SDK answers it as it always did.
 */
import { PassThrough, Writable, type Readable } from 'node:stream';
import { SERVER_INFO, instructions } from './instructions.ts';
import type { StartupReplies } from './startup-replies.ts';
import type { WritePolicy } from './writes.ts';

/** JSON-RPC id of the replayed initialize; its reply is the server proper's and is not sent to the client. */
const REPLAY_ID = 'rollgate-mcp:replayed-initialize';

/** What {@link serveFrontDoor} needs. */
export interface FrontDoorOptions {
  readonly replies: StartupReplies;
  readonly policy: WritePolicy;
  readonly input: Readable;
  readonly output: Writable;
  /** Loads the server proper and connects it to `input`/`output` (the client's side, after the replay). */
  readonly handOver: (input: Readable, output: Writable) => void;
}

type Message = { jsonrpc?: unknown; id?: unknown; method?: unknown; params?: unknown };

/** Answers initialize and tools/list from `replies` until the first other message, then hands over. */
export function serveFrontDoor(options: FrontDoorOptions): void {
  const { replies, policy, input, output } = options;
  const tools = policy.readOnly ? replies.tools.filter((t) => !replies.writeTools.includes(t.name)) : replies.tools;
  const replay: string[] = [];
  let pending = Buffer.alloc(0);

  const reply = (id: string | number, result: object): void => {
    output.write(`${JSON.stringify({ result, jsonrpc: '2.0', id })}\n`);
  };

  /** Answers `line` if it is one the front door knows; false hands over. */
  const answer = (line: string): boolean => {
    const message = parse(line);
    if (message?.jsonrpc !== '2.0') return false;
    const { id, method, params } = message;
    if (method === 'initialize' && isId(id) && replay.length === 0 && isInitializeParams(params)) {
      const version = replies.supportedProtocolVersions.includes(params.protocolVersion)
        ? params.protocolVersion
        : replies.latestProtocolVersion;
      replay.push(JSON.stringify({ ...message, id: REPLAY_ID }));
      reply(id, {
        protocolVersion: version,
        capabilities: replies.capabilities,
        serverInfo: SERVER_INFO,
        instructions: instructions(policy),
      });
      return true;
    }
    if (method === 'notifications/initialized' && id === undefined && replay.length === 1) {
      replay.push(line);
      return true;
    }
    if (method === 'tools/list' && isId(id) && (params === undefined || isObject(params))) {
      reply(id, { tools });
      return true;
    }
    return false;
  };

  const onData = (chunk: Buffer): void => {
    pending = Buffer.concat([pending, chunk]);
    for (let nl = pending.indexOf(10); nl >= 0; nl = pending.indexOf(10)) {
      const line = pending.toString('utf8', 0, nl).replace(/\r$/, '');
      if (!answer(line)) return handOver();
      pending = pending.subarray(nl + 1);
    }
  };

  const handOver = (): void => {
    input.off('data', onData);
    const toServer = new PassThrough();
    for (const line of replay) toServer.write(`${line}\n`);
    toServer.write(pending);
    input.on('data', (chunk: Buffer) => toServer.write(chunk));
    options.handOver(toServer, withoutReplayReply(output, replay.length > 0));
  };

  input.on('data', onData);
}

/** `output`, minus the server proper's reply to the replayed initialize (when there was one). */
function withoutReplayReply(output: Writable, replayed: boolean): Writable {
  let dropping = replayed;
  return new Writable({
    decodeStrings: false,
    write(chunk: string | Buffer, _encoding, callback) {
      if (dropping && parse(chunk.toString())?.id === REPLAY_ID) {
        dropping = false;
        callback();
        return;
      }
      output.write(chunk, callback);
    },
  });
}

function parse(line: string): Message | undefined {
  try {
    const value: unknown = JSON.parse(line);
    return isObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isId(value: unknown): value is string | number {
  return typeof value === 'string' || (typeof value === 'number' && Number.isInteger(value));
}

/** The parts of initialize params the SDK requires (InitializeRequestSchema); anything less goes to the SDK. */
function isInitializeParams(
  params: unknown,
): params is { protocolVersion: string; capabilities: object; clientInfo: { name: string; version: string } } {
  if (!isObject(params) || typeof params.protocolVersion !== 'string' || !isObject(params.capabilities)) return false;
  const info = params.clientInfo;
  return isObject(info) && typeof info.name === 'string' && typeof info.version === 'string';
}
