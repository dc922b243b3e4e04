import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClientSecretCredential } from '@azure/identity';
import { expect, test } from 'vitest';
import { startSandbox } from '../src/sandbox.ts';

test('startSandbox writes a usable profile, keeps its identity across restarts, and stops everything', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dove-sb-'));
  try {
    const first = await startSandbox({ stateDir: dir });
    const p = first.profile;
    let azurite: string;
    try {
      expect(JSON.parse(readFileSync(first.profilePath, 'utf8'))).toEqual(p);
      expect(statSync(first.profilePath).mode & 0o077).toBe(0);
      expect(p).toMatchObject({
        name: 'sandbox',
        armScope: `${p.armEndpoint}/.default`,
        hostsFile: join(dir, 'hosts'),
        sandbox: {
          resourceGroups: ['dove-sandbox'],
          location: 'westeurope',
          pid: process.pid,
          controlUrl: `${p.armEndpoint}/_sandbox`,
        },
      });
      azurite = p.sandbox.storage?.blobEndpoint ?? '';
      expect((await fetch(`${azurite}?comp=list`)).status).toBeLessThan(500);
    } finally {
      await first.stop();
    }
    await expect(fetch(`${azurite}?comp=list`)).rejects.toThrow();

    const second = await startSandbox({ stateDir: dir, storage: false });
    try {
      const q = second.profile.sandbox;
      expect([q.tenantId, q.clientId, q.subscriptionId, q.clientSecret]).toEqual([
        p.sandbox.tenantId,
        p.sandbox.clientId,
        p.sandbox.subscriptionId,
        p.sandbox.clientSecret,
      ]);
      expect(second.profile.caCert).toBe(p.caCert);
      expect(q.storage).toBeUndefined();
      const cred = new ClientSecretCredential(q.tenantId, q.clientId, q.clientSecret, {
        authorityHost: second.profile.authorityHost,
        tlsOptions: { ca: second.profile.caCert },
        disableInstanceDiscovery: true,
      });
      expect((await cred.getToken(`${second.profile.armEndpoint}/.default`)).token).toBeTruthy();
    } finally {
      await second.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bad delays are refused with the field and the expected range', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dove-sb-'));
  try {
    await expect(
      startSandbox({ stateDir: dir, storage: false, delays: { provisionMs: -1 } }),
    ).rejects.toThrow(
      /startSandbox\(\{ delays \}\): provisionMs must be a number of milliseconds between 0 and 3600000/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
