// Remote mode's wire format keeps the whole document: what the server sends (JSON of a snapshot) reads back, through
// remoteSnapshotSchema, as the document the store holds, every field of the model included.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { storeDocumentSchema } from '../../src/flags/model.ts';
import { remoteSnapshotSchema } from '../../src/store/remote-store.ts';
import { fullDocument } from './full-document.ts';

describe('remote snapshot', () => {
  it('carries every field of the model (groups, change requests, plans…) through JSON', () => {
    const document = storeDocumentSchema.parse(fullDocument());
    const wire = JSON.parse(JSON.stringify({ document, revision: 7, version: '7' })) as unknown;
    assert.deepEqual(remoteSnapshotSchema.parse(wire), { document, revision: 7, version: '7' });
  });
});
