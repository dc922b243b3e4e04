import { apiVersionOf, type Kind, kinds } from './kinds.ts';

const verbs = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];

export const groups = [
  { name: 'apps', version: 'v1' },
  { name: 'autoscaling', version: 'v2' },
];

export function resourceList(group: string, version: string) {
  const ks = kinds.filter((k) => k.group === group && k.version === version);
  if (ks.length === 0) return undefined;
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: group ? `${group}/${version}` : version,
    resources: ks.flatMap((k: Kind) => [
      {
        name: k.plural,
        singularName: k.kind.toLowerCase(),
        namespaced: k.namespaced,
        kind: k.kind,
        verbs,
        ...(k.shortNames ? { shortNames: k.shortNames } : {}),
      },
      ...(['deployments', 'replicasets', 'pods', 'services', 'horizontalpodautoscalers'].includes(k.plural)
        ? [
            {
              name: `${k.plural}/status`,
              singularName: '',
              namespaced: true,
              kind: k.kind,
              verbs: ['get', 'patch', 'update'],
            },
          ]
        : []),
      ...(k.plural === 'pods'
        ? [{ name: 'pods/log', singularName: '', namespaced: true, kind: 'Pod', verbs: ['get'] }]
        : []),
    ]),
  };
}

export const apiVersions = {
  kind: 'APIVersions',
  versions: ['v1'],
  serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '127.0.0.1' }],
};

export function apiGroupList() {
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: groups.map((g) => ({
      name: g.name,
      versions: [{ groupVersion: `${g.name}/${g.version}`, version: g.version }],
      preferredVersion: { groupVersion: `${g.name}/${g.version}`, version: g.version },
    })),
  };
}

/** `apidiscovery.k8s.io/v2` aggregated discovery (what kubectl 1.30+ asks for first). */
export function aggregated(core: boolean) {
  const list = core ? [{ name: '', version: 'v1' }] : groups;
  return {
    kind: 'APIGroupDiscoveryList',
    apiVersion: 'apidiscovery.k8s.io/v2',
    metadata: {},
    items: list.map((g) => ({
      metadata: { name: g.name, creationTimestamp: null },
      versions: [
        {
          version: g.version,
          freshness: 'Current',
          resources: kinds
            .filter((k) => k.group === g.name && k.version === g.version)
            .map((k) => ({
              resource: k.plural,
              responseKind: { group: k.group, version: k.version, kind: k.kind },
              scope: k.namespaced ? 'Namespaced' : 'Cluster',
              singularResource: k.kind.toLowerCase(),
              verbs,
              ...(k.shortNames ? { shortNames: k.shortNames } : {}),
            })),
        },
      ],
    })),
  };
}

export const versionInfo = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.0',
  gitCommit: '0000000000000000000000000000000000000000',
  gitTreeState: 'clean',
  buildDate: '2024-12-11T00:00:00Z',
  goVersion: 'go1.23.4',
  compiler: 'gc',
  platform: 'linux/amd64',
};

export { apiVersionOf };
