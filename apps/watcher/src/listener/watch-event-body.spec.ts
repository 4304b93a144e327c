import { eventIdOf, MalformedEventError, parseWatchEventBody } from './watch-event-body.js';

describe('parseWatchEventBody', () => {
  const gvk = { group: 'operator.kyma-project.io', version: 'v1beta2', kind: 'Kyma' };

  it('accepts lower-case and Go capitalised keys alike', () => {
    const lower = parseWatchEventBody(JSON.stringify({ watched: { namespace: 'kyma-system', name: 'default' }, watchedGvk: gvk }));
    const upper = parseWatchEventBody(JSON.stringify({ watched: { Namespace: 'kyma-system', Name: 'default' }, watchedGvk: gvk, owner: { name: 'x' } }));
    expect(lower).toEqual({ namespace: 'kyma-system', name: 'default', ...gvk });
    expect(upper).toEqual(lower);
    expect(eventIdOf('rt', 'c', upper)).toBe(eventIdOf('rt', 'c', lower));
  });

  it('treats a missing namespace as cluster-scoped and the core group as empty', () => {
    expect(parseWatchEventBody('{"watched":{"name":"n"},"watchedGvk":{"version":"v1","kind":"Node"}}')).toEqual({ namespace: '', name: 'n', group: '', version: 'v1', kind: 'Node' });
  });

  it.each(['not json', '[]', '{"watched":{"name":"n"}}', '{"watched":{"name":""},"watchedGvk":{"version":"v1","kind":"K"}}', '{"watched":{"name":1},"watchedGvk":{"version":"v1","kind":"K"}}'])(
    'refuses %s',
    (body) => {
      expect(() => parseWatchEventBody(body)).toThrow(MalformedEventError);
    },
  );

  it('gives different ids to different runtimes, components and objects', () => {
    const e = { namespace: 'a', name: 'b', ...gvk };
    const ids = new Set([eventIdOf('rt1', 'c', e), eventIdOf('rt2', 'c', e), eventIdOf('rt1', 'd', e), eventIdOf('rt1', 'c', { ...e, name: 'x' })]);
    expect(ids.size).toBe(4);
  });
});
