/** The subset of Avro schema syntax our message schemas use: flat records of primitives and nullable primitives. */
export type AvroPrimitive = 'string' | 'long' | 'int' | 'bytes';
export type AvroFieldType = AvroPrimitive | ['null', AvroPrimitive];

export interface AvroField {
  readonly name: string;
  readonly type: AvroFieldType;
  readonly default?: string | number | null;
  readonly doc?: string;
}

export interface AvroRecordSchema {
  readonly type: 'record';
  readonly name: string;
  readonly namespace: string;
  readonly doc?: string;
  readonly fields: readonly AvroField[];
}

export function fullName(schema: AvroRecordSchema): string {
  return `${schema.namespace}.${schema.name}`;
}

/** Fields with a schema default may be left out (or `undefined`) when encoding. */
export type WithDefaults<T, K extends keyof T> = T extends unknown ? Omit<T, K> & { [P in K]?: T[P] | undefined } : never;

export const correlationIdField: AvroField = {
  name: 'correlationId',
  type: 'string',
  doc: 'Message ID primarily used to track message processing across services',
};

export const timestampField: AvroField = {
  name: 'timestamp',
  type: 'long',
  doc: 'Message creation UNIX timestamp in milliseconds',
};

export const timeoutField: AvroField = {
  name: 'timeout',
  type: 'long',
  default: 0,
  doc: 'Amount of milliseconds since the timestamp until the message expires. Value of 0 is reserved to indicate no expiration.',
};

const ORIGINATOR_DOC = 'Identifier of the service replica that generated the event';

export const originatorReplicaIdField: AvroField = { name: 'originatorReplicaId', type: 'string', doc: ORIGINATOR_DOC };

export const optionalOriginatorReplicaIdField: AvroField = {
  name: 'originatorReplicaId',
  type: ['null', 'string'],
  default: null,
  doc: ORIGINATOR_DOC,
};

export const contentTypeField: AvroField = {
  name: 'contentType',
  type: 'string',
  default: 'application/json',
  doc: 'Type of the configuration data, e.g.: application/json, application/x-protobuf, etc.',
};

export const reasonPhraseField: AvroField = {
  name: 'reasonPhrase',
  type: ['null', 'string'],
  default: null,
  doc: 'Human-readable status reason phrase',
};
