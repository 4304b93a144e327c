import avro from 'avsc';
import type { Type } from 'avsc';
import { ProtocolDecodeError, ProtocolEncodeError } from '../errors.js';
import { fullName, type AvroRecordSchema } from './schema.js';

/** Raw Avro binary, no container header: what travels as a NATS payload. */
export interface Codec<T, TInput = T> {
  encode(message: TInput): Uint8Array;
  /** Throws only {@link ProtocolDecodeError}. */
  decode(bytes: Uint8Array): T;
}

/**
 * Returns a reason when a well-typed value still breaks a protocol rule avsc cannot express.
 * On encode it sees the caller's value, so it must read `undefined` as the field's default.
 */
export type MessageRule<T> = (message: T) => string | null;

export interface MessageCodecOptions<T> {
  readonly rule?: MessageRule<T>;
  /** Error code an encode-time rule violation carries. */
  readonly ruleCode?: 'ENCODE_FAILED' | 'INVALID_SCMP_SHAPE';
}

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function describe(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (value instanceof Uint8Array) return `${value.constructor.name}(${value.byteLength})`;
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

export function createAvroType(schema: AvroRecordSchema): Type {
  return avro.Type.forSchema(schema as unknown as Parameters<typeof avro.Type.forSchema>[0]);
}

export function createCodec<T extends object, TInput extends object = T>(
  schema: AvroRecordSchema,
  options: MessageCodecOptions<T> = {},
): Codec<T, TInput> {
  const type = createAvroType(schema);
  const name = fullName(schema);
  // avsc only accepts Buffer for `bytes`; callers may hand us any Uint8Array.
  const fieldNames = new Set(schema.fields.map((field) => field.name));
  const bytesFields = schema.fields
    .filter((field) => field.type === 'bytes' || (Array.isArray(field.type) && field.type[1] === 'bytes'))
    .map((field) => field.name);

  return {
    encode(message: TInput): Uint8Array {
      if (message === null || typeof message !== 'object') {
        throw new ProtocolEncodeError('ENCODE_FAILED', name, `expected an object, got ${describe(message)}`);
      }
      const wire: Record<string, unknown> = { ...(message as Record<string, unknown>) };
      for (const field of bytesFields) {
        const value = wire[field];
        if (value instanceof Uint8Array) wire[field] = toBuffer(value);
      }
      const undeclared = Object.keys(wire).find((key) => !fieldNames.has(key) && wire[key] !== undefined);
      if (undeclared !== undefined) {
        throw new ProtocolEncodeError('ENCODE_FAILED', name, `unknown field ${undeclared}`, { path: undeclared });
      }
      let problem: { path: string; value: unknown } | undefined;
      const valid = type.isValid(wire, {
        errorHook: (path, value) => {
          problem ??= { path: path.join('.'), value };
        },
      });
      if (!valid) {
        const path = problem?.path || undefined;
        const where =
          path === undefined
            ? 'invalid value'
            : problem?.value === undefined
              ? `field ${path} is missing`
              : `field ${path} has invalid value ${describe(problem.value)}`;
        throw new ProtocolEncodeError('ENCODE_FAILED', name, where, { path });
      }
      if (options.rule) {
        const reason = options.rule(wire as T);
        if (reason) throw new ProtocolEncodeError(options.ruleCode ?? 'ENCODE_FAILED', name, reason);
      }
      try {
        return type.toBuffer(wire);
      } catch (cause) {
        throw new ProtocolEncodeError('ENCODE_FAILED', name, (cause as Error).message, { cause });
      }
    },

    decode(bytes: Uint8Array): T {
      if (!(bytes instanceof Uint8Array)) {
        throw new ProtocolDecodeError(name, `expected bytes, got ${describe(bytes)}`);
      }
      let record: T;
      try {
        // fromBuffer rejects truncated input and trailing bytes alike.
        record = { ...(type.fromBuffer(toBuffer(bytes)) as T) };
      } catch (cause) {
        throw new ProtocolDecodeError(name, cause instanceof Error ? cause.message : String(cause), { cause });
      }
      const reason = options.rule?.(record);
      if (reason) throw new ProtocolDecodeError(name, reason);
      return record;
    },
  };
}
