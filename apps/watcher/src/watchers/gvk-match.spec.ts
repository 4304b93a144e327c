import { matchesGvk, pluralOf } from './gvk-match.js';

describe('matchesGvk', () => {
  const kyma = { group: 'operator.kyma-project.io', version: 'v1beta2', kind: 'Kyma' };

  it('matches the plural resource, a version wildcard and a resource wildcard', () => {
    expect(matchesGvk({ group: 'operator.kyma-project.io', version: 'v1beta2', resource: 'kymas' }, kyma)).toBe(true);
    expect(matchesGvk({ group: 'operator.kyma-project.io', version: '*', resource: 'kymas' }, kyma)).toBe(true);
    expect(matchesGvk({ group: 'operator.kyma-project.io', version: 'v1beta2', resource: '*' }, kyma)).toBe(true);
  });

  it('refuses another group, version or resource', () => {
    expect(matchesGvk({ group: 'apps', version: 'v1beta2', resource: 'kymas' }, kyma)).toBe(false);
    expect(matchesGvk({ group: 'operator.kyma-project.io', version: 'v1', resource: 'kymas' }, kyma)).toBe(false);
    expect(matchesGvk({ group: 'operator.kyma-project.io', version: 'v1beta2', resource: 'manifests' }, kyma)).toBe(false);
  });

  it('pluralises like Kubernetes for common kinds', () => {
    expect(pluralOf('ConfigMap')).toBe('configmaps');
    expect(pluralOf('Ingress')).toBe('ingresses');
    expect(pluralOf('NetworkPolicy')).toBe('networkpolicies');
    expect(pluralOf('Gateway')).toBe('gateways');
  });
});
