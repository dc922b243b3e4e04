import { webcrypto } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

export interface CertificateAuthority {
  /** PEM of the CA certificate (what clients trust). */
  certPem: string;
  /** Issue a server certificate for these host names / IPs, signed by this CA. */
  issue(hosts: string[]): Promise<{ certPem: string; keyPem: string }>;
}

function toPem(der: ArrayBuffer, label: string): string {
  const b64 = Buffer.from(der).toString('base64');
  return `-----BEGIN ${label}-----\n${b64.match(/.{1,64}/g)?.join('\n')}\n-----END ${label}-----\n`;
}

function fromPem(pem: string): ArrayBuffer {
  const b64 = pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
  const buf = Buffer.from(b64, 'base64');
  return buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer;
}

const isIp = (h: string) => /^[\d.]+$/.test(h) || h.includes(':');

/**
 * Loads the CA kept in `stateDir` (ca.pem / ca-key.pem) or makes a new one there, so a
 * restarted sandbox keeps the trust that clients already have.
 */
export async function loadOrCreateCa(stateDir: string): Promise<CertificateAuthority> {
  mkdirSync(stateDir, { recursive: true });
  const certFile = join(stateDir, 'ca.pem');
  const keyFile = join(stateDir, 'ca-key.pem');
  let caCert: x509.X509Certificate;
  let caKey: webcrypto.CryptoKey;
  if (existsSync(certFile) && existsSync(keyFile)) {
    caCert = new x509.X509Certificate(readFileSync(certFile, 'utf8'));
    caKey = await webcrypto.subtle.importKey('pkcs8', fromPem(readFileSync(keyFile, 'utf8')), alg, true, [
      'sign',
    ]);
  } else {
    const keys = await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify']);
    caCert = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: randomSerial(),
      name: 'CN=Dove Sandbox Local CA',
      notBefore: new Date(Date.now() - 60_000),
      notAfter: new Date(Date.now() + 365 * 24 * 3600_000),
      keys,
      signingAlgorithm: alg,
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      ],
    });
    caKey = keys.privateKey;
    writeFileSync(certFile, caCert.toString('pem'));
    writeFileSync(keyFile, toPem(await webcrypto.subtle.exportKey('pkcs8', caKey), 'PRIVATE KEY'), {
      mode: 0o600,
    });
  }
  const certPem = `${caCert.toString('pem').trim()}\n`;
  return {
    certPem,
    async issue(hosts) {
      const keys = await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify']);
      const cert = await x509.X509CertificateGenerator.create({
        serialNumber: randomSerial(),
        subject: `CN=${hosts[0] ?? 'localhost'}`,
        issuer: caCert.subject,
        notBefore: new Date(Date.now() - 60_000),
        notAfter: new Date(Date.now() + 90 * 24 * 3600_000),
        signingKey: caKey,
        publicKey: keys.publicKey,
        signingAlgorithm: alg,
        extensions: [
          new x509.BasicConstraintsExtension(false, undefined, true),
          new x509.KeyUsagesExtension(
            x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment,
            true,
          ),
          new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
          new x509.SubjectAlternativeNameExtension(
            hosts.map((h) => (isIp(h) ? { type: 'ip', value: h } : { type: 'dns', value: h })),
          ),
          await x509.AuthorityKeyIdentifierExtension.create(caCert),
        ],
      });
      const keyPem = toPem(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey), 'PRIVATE KEY');
      return { certPem: `${cert.toString('pem').trim()}\n${certPem.trim()}\n`, keyPem };
    },
  };
}

function randomSerial(): string {
  const b = webcrypto.getRandomValues(new Uint8Array(16));
  b[0] = (b[0] ?? 0) & 0x7f;
  return Buffer.from(b).toString('hex');
}
