/** Every entity of this service; the outbox entity comes from @kaa/persistence. */
export const entities: (new () => object)[] = [];
