import { messageCatalogue, type MessageKey } from '../catalogue.js';
import { ProtocolDecodeError, ProtocolEncodeError } from '../errors.js';
import { configAppliedCodec, configRequestCodec, configResponseCodec, configUpdatedCodec } from '../messages/cdtp.js';
import { watchEventCodec } from '../messages/watch-event.js';
import { samples } from '../__fixtures__/samples.js';

type AnyCodec = { encode(m: unknown): Uint8Array; decode(b: Uint8Array): unknown };

const codecs = Object.entries(messageCatalogue).map(([key, m]) => [key as MessageKey, m.codec as AnyCodec] as const);

/** mulberry32: a small seeded PRNG so failures reproduce. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function decodeOutcome(codec: AnyCodec, bytes: Uint8Array): { ok: true; value: unknown } | { ok: false; error: unknown } {
  try {
    return { ok: true, value: codec.decode(bytes) };
  } catch (error) {
    return { ok: false, error };
  }
}

function expectDecodeError(codec: AnyCodec, bytes: Uint8Array, schemaName: string): void {
  const outcome = decodeOutcome(codec, bytes);
  expect(outcome.ok).toBe(false);
  if (!outcome.ok) {
    expect(outcome.error).toBeInstanceOf(ProtocolDecodeError);
    expect(outcome.error).toMatchObject({ code: 'DECODE_FAILED', schemaName });
  }
}

describe.each(codecs)('%s decode robustness', (key, codec) => {
  const schemaName = messageCatalogue[key].schemaName;
  const valid = codec.encode(samples[key].full);

  it('rejects every truncation of a valid message', () => {
    for (let length = 0; length < valid.length; length++) {
      expectDecodeError(codec, valid.subarray(0, length), schemaName);
    }
  });

  it('rejects trailing bytes instead of half-reading', () => {
    const random = prng(7);
    for (let extra = 1; extra <= 16; extra++) {
      const tail = Array.from({ length: extra }, () => Math.floor(random() * 256));
      expectDecodeError(codec, Uint8Array.from([...valid, ...tail]), schemaName);
    }
  });

  it('rejects what is not bytes', () => {
    for (const notBytes of [null, undefined, 'abc', 42, {}, [1, 2]]) {
      expectDecodeError(codec, notBytes as unknown as Uint8Array, schemaName);
    }
  });

  it('turns random bytes into a ProtocolDecodeError or a message that re-encodes, nothing else', () => {
    const random = prng(key.length * 7919);
    let decoded = 0;
    for (let i = 0; i < 3000; i++) {
      const bytes = Uint8Array.from({ length: Math.floor(random() * 96) }, () => Math.floor(random() * 256));
      const outcome = decodeOutcome(codec, bytes);
      if (outcome.ok) {
        decoded++;
        expect(codec.decode(codec.encode(outcome.value))).toEqual(outcome.value);
      } else {
        expect(outcome.error).toBeInstanceOf(ProtocolDecodeError);
      }
    }
    expect(decoded).toBeLessThan(3000);
  });

  it('survives byte flips in a valid message the same way', () => {
    const random = prng(key.length * 104729);
    for (let i = 0; i < 1000; i++) {
      const bytes = Uint8Array.from(valid);
      bytes[Math.floor(random() * bytes.length)] = Math.floor(random() * 256);
      const outcome = decodeOutcome(codec, bytes);
      if (outcome.ok) {
        expect(codec.decode(codec.encode(outcome.value))).toEqual(outcome.value);
      } else {
        expect(outcome.error).toBeInstanceOf(ProtocolDecodeError);
      }
    }
  });

  it('decodes a message that sits inside a larger buffer', () => {
    const framed = Uint8Array.from([9, 9, ...valid, 9]);
    expect(codec.decode(framed.subarray(2, 2 + valid.length))).toEqual(samples[key].full);
  });
});

describe('encode errors', () => {
  const request = samples.configRequest.full;

  function encodeError(encode: () => unknown): ProtocolEncodeError {
    try {
      encode();
    } catch (error) {
      expect(error).toBeInstanceOf(ProtocolEncodeError);
      return error as ProtocolEncodeError;
    }
    throw new Error('expected encode to throw');
  }

  it.each([
    ['a missing required field', { ...request, correlationId: undefined }, 'correlationId', /correlationId is missing/],
    ['a string where a long belongs', { ...request, timestamp: '2024' }, 'timestamp', /timestamp has invalid value "2024"/],
    ['a fractional long', { ...request, timeout: 1.5 }, 'timeout', /timeout/],
    ['a number in a nullable string', { ...request, configId: 7 }, 'configId', /configId/],
    ['a misspelled field', { ...request, configID: 'x' }, 'configID', /unknown field configID/],
  ])('names the field for %s', (_case, message, path, text) => {
    const error = encodeError(() => configRequestCodec.encode(message as never));
    expect(error).toMatchObject({ code: 'ENCODE_FAILED', path, schemaName: 'org.kaaproject.ipc.cdtp.gen.v1.ConfigRequest' });
    expect(error.message).toMatch(text);
  });

  it('rejects an int field beyond 32 bits', () => {
    const response = { ...samples.configResponse.full, statusCode: 2 ** 31 };
    expect(encodeError(() => configResponseCodec.encode(response as never))).toMatchObject({ path: 'statusCode' });
  });

  it('rejects a string where bytes belong', () => {
    const updated = { ...samples.configUpdated.full, content: '{"a":1}' };
    expect(encodeError(() => configUpdatedCodec.encode(updated as never))).toMatchObject({ path: 'content' });
  });

  it.each([null, undefined, 'message', 3])('rejects %j as a message', (value) => {
    expect(encodeError(() => watchEventCodec.encode(value as never))).toMatchObject({ code: 'ENCODE_FAILED', path: undefined });
  });

  it('writes undefined optional fields as their defaults', () => {
    const decoded = configAppliedCodec.decode(
      configAppliedCodec.encode({
        correlationId: 'c',
        timestamp: 1,
        appVersionName: 'a',
        endpointId: 'e',
        configId: 'x',
        reasonPhrase: undefined,
        originatorReplicaId: undefined,
      }),
    );
    expect(decoded).toMatchObject({ timeout: 0, statusCode: 200, reasonPhrase: null, originatorReplicaId: null });
  });

  it('accepts Buffer and plain Uint8Array content alike', () => {
    const base = samples.configUpdated.full;
    const fromBuffer = configUpdatedCodec.encode({ ...base, content: Buffer.from('abc') } as never);
    const fromArray = configUpdatedCodec.encode({ ...base, content: new TextEncoder().encode('abc') } as never);
    expect(Buffer.from(fromBuffer).equals(Buffer.from(fromArray))).toBe(true);
  });

  it('returns plain objects from decode', () => {
    const decoded = watchEventCodec.decode(watchEventCodec.encode(samples.watchEvent.full as never));
    expect(Object.getPrototypeOf(decoded)).toBe(Object.prototype);
  });
});
