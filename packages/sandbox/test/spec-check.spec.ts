import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { assertMatchesSpec, specDir, specProblems } from '../src/spec-check.ts';

const example = (file: string) => JSON.parse(readFileSync(join(specDir, file), 'utf8'));

test('the official examples match their own definitions (incl. common-types refs)', () => {
  const aci = example('azure/containerinstance/2023-05-01/ContainerGroupsGet_Succeeded.json');
  assertMatchesSpec(
    'azure/containerinstance/2023-05-01/containerInstance.json',
    'ContainerGroup',
    aci.responses['200'].body,
  );
  const aks = example('azure/containerservice/2026-06-01/examples/ManagedClustersGet.json');
  assertMatchesSpec(
    'azure/containerservice/2026-06-01/managedClusters.json',
    'ManagedCluster',
    aks.responses['200'].body,
  );
});

test('a wrong type, a bad enum and a missing required property are reported with their paths', () => {
  const problems = specProblems(
    'azure/containerinstance/2023-05-01/containerInstance.json',
    'ContainerGroup',
    {
      properties: {
        containers: [
          { name: 'c', properties: { image: 5, resources: { requests: { cpu: 1, memoryInGB: 1 } } } },
        ],
        osType: 'Linux',
        restartPolicy: 'Sometimes',
      },
    },
  );
  expect(problems.join('\n')).toContain('.properties.containers[0].properties.image: expected string');
  const deployment = specProblems(
    'kubernetes/openapi-v3/apis__apps__v1_openapi.json',
    '#/components/schemas/io.k8s.api.apps.v1.Deployment',
    {
      spec: { replicas: 'two' },
    },
  );
  expect(deployment.join('\n')).toMatch(/\.spec\.replicas: expected integer/);
  expect(deployment.join('\n')).toMatch(/missing required property 'selector'/);
});
