import { ProtocolDecodeError, ProtocolEncodeError } from '../errors.js';
import { createAvroType } from '../avro/codec.js';
import {
  broadcastConfigurationUpdateEventCodec as broadcast,
  broadcastConfigurationUpdateEventSchema,
  scmpScopeLevel,
  serviceSpecificConfigurationUpdateEventCodec as targeted,
} from './scmp.js';

const base = { correlationId: 'c', timestamp: 1, originatorReplicaId: 'tekton-1' };
const t = 'tenant-a';
const a = 'app';
const v = 'app-v1';

describe('scmpScopeLevel', () => {
  it.each([
    [{}, 'all'],
    [{ tenantID: null, appName: null, appVerName: null }, 'all'],
    [{ tenantID: t }, 'tenant'],
    [{ tenantID: t, appName: a }, 'application'],
    [{ tenantID: t, appName: a, appVerName: v }, 'app-version'],
    [{ appName: a }, null],
    [{ appVerName: v }, null],
    [{ appName: a, appVerName: v }, null],
    [{ tenantID: t, appVerName: v }, null],
  ])('%j is %s', (fields, level) => {
    expect(scmpScopeLevel(fields)).toBe(level);
  });
});

describe('SCMP codecs enforce the allowed shapes', () => {
  it.each([{}, { tenantID: t }, { tenantID: t, appName: a }, { tenantID: t, appName: a, appVerName: v }])(
    'broadcast accepts %j',
    (scope) => {
      expect(broadcast.decode(broadcast.encode({ ...base, ...scope } as never))).toMatchObject(scope);
    },
  );

  it.each([{ appName: a }, { appVerName: v }, { tenantID: t, appVerName: v }, { appName: a, appVerName: v }])(
    'broadcast rejects %j on encode',
    (scope) => {
      expect(() => broadcast.encode({ ...base, ...scope } as never)).toThrow(
        expect.objectContaining({ code: 'INVALID_SCMP_SHAPE', constructor: ProtocolEncodeError }),
      );
    },
  );

  it('targeted needs a tenant and rejects a version without an app', () => {
    expect(() => targeted.encode({ correlationId: 'c', timestamp: 1 } as never)).toThrow(ProtocolEncodeError);
    expect(() => targeted.encode({ correlationId: 'c', timestamp: 1, tenantID: t, appVerName: v } as never)).toThrow(
      expect.objectContaining({ code: 'INVALID_SCMP_SHAPE' }),
    );
  });

  it('rejects the camel-case tenantId other protocols use', () => {
    expect(() => targeted.encode({ correlationId: 'c', timestamp: 1, tenantId: t } as never)).toThrow(
      expect.objectContaining({ path: 'tenantId' }),
    );
  });

  it('refuses to decode a shape no SCMP provider sends', () => {
    const raw = createAvroType(broadcastConfigurationUpdateEventSchema).toBuffer({ ...base, appName: a });
    expect(() => broadcast.decode(raw)).toThrow(ProtocolDecodeError);
  });
});
