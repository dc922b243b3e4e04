// Every secret goes to the runner (`::add-mask::`, so the log hides it) and to a local list,
// so outputs and the job summary are redacted too: the runner masks logs, not those files.
import * as core from '@actions/core';
import type { CloudProfile } from '@dove/deploy-core';

const known = new Set<string>();

export function secret(value: string | undefined): void {
  if (!value || value.length < 4 || known.has(value)) return;
  known.add(value);
  core.setSecret(value);
  // A JSON document of secrets (the model store's SAS per file): each one alone, too.
  if (value.startsWith('{')) {
    try {
      for (const v of Object.values(JSON.parse(value) as Record<string, unknown>))
        if (typeof v === 'string') secret(v);
    } catch {}
  }
  // A SAS token or URL: its signature alone, as it may be printed in another encoding.
  for (const m of value.matchAll(/[?&]?sig=([^&\s"]+)/g)) {
    secret(m[1]);
    try {
      secret(decodeURIComponent(m[1] as string));
    } catch {}
  }
}

export function redact(text: string): string {
  let out = text;
  for (const s of [...known].sort((a, b) => b.length - a.length)) out = out.split(s).join('***');
  return out;
}

/** Keys, connection strings and the account key inside each connection string. */
export function connectionString(cs: string | undefined): void {
  if (!cs) return;
  secret(cs);
  for (const m of cs.matchAll(/(?:SharedAccessKey|AccountKey|SharedAccessSignature)=([^;]+)/g)) secret(m[1]);
}

/** What a cloud profile holds that must not be printed (the sandbox's login and keys). */
export function maskCloud(cloud: CloudProfile): void {
  const s = cloud.sandbox;
  if (!s) return;
  secret(s.clientSecret);
  for (const hub of Object.values(s.iotHubs)) connectionString(hub.connectionString);
  connectionString(s.storage?.connectionString);
}
