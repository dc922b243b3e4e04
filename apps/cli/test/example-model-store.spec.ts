import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  BlobSASPermissions,
  BlobServiceClient,
  ContainerSASPermissions,
  generateBlobSASQueryParameters,
  StorageSharedKeyCredential,
} from '@azure/storage-blob';
import { type AzuriteBlob, startAzurite } from '@dove/testkit';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { irisDir, runIrisServerToExit, startIrisServer } from './helpers/iris-server.ts';

const modelBytes = readFileSync(join(irisDir, 'model', 'model.json'));
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('the iris scoring server loading its model from Blob Storage', () => {
  let azurite: AzuriteBlob;
  let sas: string;
  const base = () => `${azurite.blobEndpoint}/models/iris-classifier`;

  async function putVersion(version: string, stored: Buffer, declared: Buffer = stored) {
    const container = BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient(
      'models',
    );
    await container.createIfNotExists();
    await container.getBlockBlobClient(`iris-classifier/${version}/model.json`).upload(stored, stored.length);
    const manifest = JSON.stringify({
      model: 'iris-classifier',
      version,
      files: [{ path: 'model.json', size: declared.length, sha256: sha256(declared) }],
      specHash: 'test',
      createdAt: new Date().toISOString(),
    });
    await container
      .getBlockBlobClient(`iris-classifier/${version}/manifest.json`)
      .upload(manifest, manifest.length);
  }

  beforeAll(async () => {
    azurite = await startAzurite();
    await putVersion('1.0.0', modelBytes);
    const corrupt = Buffer.from(modelBytes.toString('utf8').replace('"setosa"', '"setosb"'));
    await putVersion('6.6.6', corrupt, modelBytes);
    sas = generateBlobSASQueryParameters(
      {
        containerName: 'models',
        permissions: ContainerSASPermissions.parse('r'),
        expiresOn: new Date(Date.now() + 3600_000),
      },
      new StorageSharedKeyCredential(azurite.accountName, azurite.accountKey),
    ).toString();
  });
  afterAll(() => azurite?.stop());

  test('downloads the manifest and files, verifies them, serves, and reports the version', async () => {
    const server = await startIrisServer({ DOVE_MODEL_URI: `${base()}/1.0.0`, DOVE_MODEL_SAS: `?${sas}` });
    try {
      const res = await fetch(`${server.url}/score`, {
        method: 'POST',
        body: JSON.stringify({ data: [[5.1, 3.5, 1.4, 0.2]] }),
      });
      expect(((await res.json()) as { result: string[] }).result).toEqual(['setosa']);
      expect(res.headers.get('x-ms-model-version')).toBe('1.0.0');
      expect(server.output()).toContain('model iris-classifier 1.0.0 loaded from');
      expect(server.output()).not.toContain(sas.slice(-20));
    } finally {
      await server.stop();
    }
  });

  test('accepts a per-file SAS map, as the model store issues it', async () => {
    const key = new StorageSharedKeyCredential(azurite.accountName, azurite.accountKey);
    const sign = (path: string) =>
      generateBlobSASQueryParameters(
        {
          containerName: 'models',
          blobName: `iris-classifier/1.0.0/${path}`,
          permissions: BlobSASPermissions.parse('r'),
          expiresOn: new Date(Date.now() + 3600_000),
        },
        key,
      ).toString();
    const map = JSON.stringify({ 'manifest.json': sign('manifest.json'), 'model.json': sign('model.json') });
    const server = await startIrisServer({ DOVE_MODEL_URI: `${base()}/1.0.0/`, DOVE_MODEL_SAS: map });
    await server.stop();
    expect(server.output()).toContain('model iris-classifier 1.0.0 loaded');
  });

  test('refuses to serve a corrupt model, naming the file', async () => {
    const { code, output } = await runIrisServerToExit({
      DOVE_MODEL_URI: `${base()}/6.6.6`,
      DOVE_MODEL_SAS: sas,
    });
    expect(code).toBe(1);
    expect(output).toContain('refusing to serve: corrupt model file model.json of iris-classifier 6.6.6');
  });

  test('without a valid SAS the download fails and says what to check', async () => {
    const { code, output } = await runIrisServerToExit({
      DOVE_MODEL_URI: `${base()}/1.0.0`,
      DOVE_MODEL_SAS: 'sv=x&sig=bad',
    });
    expect(code).toBe(1);
    expect(output).toMatch(/cannot download .*manifest\.json: HTTP 403/);
    expect(output).toContain('DOVE_MODEL_SAS');
  });
});
