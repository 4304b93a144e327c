/** Avro strings may hold NUL, which Postgres text cannot store: such a message is malformed for us. */
export function hasNul(...values: (string | null | undefined)[]): boolean {
  return values.some((value) => typeof value === 'string' && value.includes('\u0000'));
}
