/**
 * Operations in serializable form, for remote mode: an {@link Operation} is a closure, so the factories that a
 * client may send to a Rollgate server attach a descriptor saying which operation it is and with which arguments.
 * A remote store sends the descriptor; the server rebuilds the operation from it (flags/remote-operations.ts) and
 * runs it as the authenticated identity. This module holds no runtime imports, so any factory may use it.
 */
import type { ChangeRequest, StoreDocument } from './model.ts';
import type { ProposedChangeInput } from './change-requests.ts';
import type { EnvironmentChangeInput, Operation } from './operations.ts';
import type { SegmentChangeInput } from './segments.ts';

/**
 * What an operation is, as data. `apply`: carry out a change (the server turns a change that raises exposure in a
 * protected environment into a change request); `reduce-exposure`: apply a reduction at once; `propose`: file a
 * change request; `approve` / `reject` / `withdraw`: decide a pending request; `segment`: create, update or delete
 * a segment (flags/segments.ts); `environment`: add or update an environment (operations.ts).
 */
export type OperationDescriptor =
  | { readonly kind: 'apply' | 'reduce-exposure' | 'propose'; readonly change: ProposedChangeInput }
  | { readonly kind: 'approve' | 'reject' | 'withdraw'; readonly id: string }
  | { readonly kind: 'segment'; readonly change: SegmentChangeInput }
  | { readonly kind: 'environment'; readonly change: EnvironmentChangeInput };

/**
 * How an operation travels: a descriptor plus, for operations that report a change request to a callback, where to
 * deliver it; or, for an operation that depends on what it finds (an edit of the rules list), how to build the
 * equivalent described operation from the document the client read (sent with that read's revision, so the server
 * refuses it when what it changes moved since).
 */
export type OperationDescription =
  | {
      readonly descriptor: OperationDescriptor;
      /** Receives the change request the server's run of the operation produced (created, merged into, decided). */
      readonly receive?: (request: ChangeRequest, merged: boolean) => void;
    }
  | { readonly derive: (document: StoreDocument) => Operation };

const DESCRIPTION = Symbol('rollgate.operationDescription');

/** Returns `operation` marked with `description` (the same function object). */
export function describeOperation(operation: Operation, description: OperationDescription): Operation {
  return Object.assign(operation, { [DESCRIPTION]: description });
}

/**
 * An operation that `build`s what to do from the document it applies to: locally it re-reads on every attempt;
 * remotely it is built on the client's read and travels as the built operation's descriptor.
 */
export function derivedOperation(build: (document: StoreDocument) => Operation): Operation {
  return describeOperation((document, context) => build(document)(document, context), { derive: build });
}

/** The description of `operation`, or undefined for one that cannot be sent to a server. */
export function descriptionOf(operation: Operation): OperationDescription | undefined {
  return (operation as Operation & { [DESCRIPTION]?: OperationDescription })[DESCRIPTION];
}
