import type { IncomingMessage } from 'node:http';
import type { ApiFamily, Fault, FaultRule } from '../types.ts';

/** The rules the sandbox applies before routing, for every API family it serves. */
export class FaultRegistry {
  #rules: { rule: FaultRule; left: number }[] = [];

  add(rule: FaultRule): void {
    validateRule(rule);
    this.#rules.push({ rule, left: rule.times ?? Number.POSITIVE_INFINITY });
  }

  clear(): void {
    this.#rules = [];
  }

  list(): FaultRule[] {
    return this.#rules.map((r) => r.rule);
  }

  faultFor(api: ApiFamily, req: IncomingMessage): Fault | undefined {
    for (const entry of this.#rules) {
      const { rule } = entry;
      if (entry.left <= 0) continue;
      // Only writes start operations: polls and other APIs must not spend the rule.
      if (rule.fault.type === 'failOperation' && (api !== 'arm' || /^(GET|HEAD)$/i.test(req.method ?? 'GET')))
        continue;
      if (rule.api && rule.api !== api) continue;
      if (rule.method && rule.method.toUpperCase() !== req.method?.toUpperCase()) continue;
      if (rule.pathIncludes && !(req.url ?? '').toLowerCase().includes(rule.pathIncludes.toLowerCase()))
        continue;
      if (rule.rate !== undefined && Math.random() >= rule.rate) continue;
      entry.left--;
      return rule.fault;
    }
    return undefined;
  }
}

const APIS = ['token', 'arm', 'k8s', 'iothub', 'scoring', 'control'];

/** Rules also arrive as JSON on the control API: say exactly what is wrong. */
export function validateRule(rule: FaultRule): void {
  const bad = (m: string) => {
    throw new Error(`Invalid fault rule: ${m}`);
  };
  if (!rule || typeof rule !== 'object')
    bad('expected an object { api?, method?, pathIncludes?, rate?, times?, fault }');
  if (rule.api !== undefined && !APIS.includes(rule.api)) bad(`api must be one of ${APIS.join(', ')}`);
  if (rule.rate !== undefined && !(rule.rate >= 0 && rule.rate <= 1)) bad('rate must be between 0 and 1');
  if (rule.times !== undefined && !(Number.isInteger(rule.times) && rule.times > 0))
    bad('times must be a positive integer');
  const f = rule.fault;
  if (!f || typeof f !== 'object') bad('fault is required: { type: "status" | "drop" | "delay", ... }');
  if (f.type === 'status') {
    if (![429, 500, 502, 503].includes(f.status)) bad('fault.status must be 429, 500, 502 or 503');
  } else if (f.type === 'delay') {
    if (!(typeof f.ms === 'number' && f.ms >= 0)) bad('fault.ms must be a non-negative number');
  } else if (f.type === 'failOperation') {
    if (rule.api && rule.api !== 'arm') bad('a failOperation fault applies to api "arm" only');
    if (typeof f.code !== 'string' || typeof f.message !== 'string')
      bad('fault.code and fault.message must be strings');
  } else if (f.type !== 'drop') bad('fault.type must be "status", "drop", "delay" or "failOperation"');
}
