import type { TokenCredential } from '@azure/core-auth';
import type { CloudProfile } from '@dove/deploy-core';
import { expect, test } from 'vitest';
import { locationFromCloud, openContainer } from './container.ts';

const cloud: CloudProfile = {
  name: 'AzureUSGovernment',
  armEndpoint: 'https://management.usgovcloudapi.net',
  authorityHost: 'https://login.microsoftonline.us',
  iotHubHostSuffix: 'azure-devices.us',
  storageEndpointSuffix: 'core.usgovcloudapi.net',
};
const credential: TokenCredential = {
  getToken: async () => ({ token: 't', expiresOnTimestamp: Date.now() + 60_000 }),
};

test('the blob endpoint comes from the cloud profile', () => {
  const location = locationFromCloud(cloud, {
    accountName: 'mymodels',
    container: 'dove-models',
    credential,
  });
  expect(openContainer(location).url).toBe('https://mymodels.blob.core.usgovcloudapi.net/dove-models');
});

test('missing account or credential says what to pass', () => {
  expect(() => locationFromCloud(cloud, { container: 'dove-models', credential })).toThrow(
    /no storage account is named for cloud AzureUSGovernment/,
  );
  expect(() => locationFromCloud(cloud, { container: 'dove-models', accountName: 'a' })).toThrow(
    /no credential for storage account a.*Storage Blob Data Contributor/,
  );
});

test('a bad connection string is refused without quoting its key', () => {
  const secret = 'c2VjcmV0LWtleS12YWx1ZQ==';
  let message = '';
  try {
    openContainer({
      connectionString: `AccountName=x;AccountKey=${secret};Nonsense`,
      container: 'dove-models',
    });
  } catch (err) {
    message = String((err as Error).message) + String((err as Error).cause ?? '');
  }
  expect(message).toContain('connection string is not valid');
  expect(message).not.toContain(secret);
});

test('container names follow the service rules', () => {
  expect(() => openContainer({ connectionString: 'x', container: 'Dove_Models' })).toThrow(
    /"Dove_Models" is not a valid blob container name/,
  );
});
