import { z } from 'zod';
import { regionMaxima } from './limits.ts';

const NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_LABEL = /^[a-z][a-z0-9-]{3,61}[a-z0-9]$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

const envMap = z.record(
  z
    .string()
    .regex(ENV_NAME, 'an environment variable name: letters, digits and _, not starting with a digit'),
  z.string(),
);

/** Settings of an `aci` environment in dove.yaml (`targets.<env>`, without `kind`). */
export const aciConfigSchema = z
  .strictObject({
    subscription: z.string().min(1, 'the Azure subscription id'),
    resourceGroup: z.string().min(1, 'an existing resource group'),
    location: z.string().min(1, 'an Azure region, e.g. westeurope'),
    name: z
      .string()
      .max(63, 'at most 63 characters')
      .regex(NAME, "lowercase letters, digits and '-', not starting or ending with '-'")
      .refine((s) => !s.includes('--'), "no '--'")
      .optional(),
    cpu: z.number().positive().default(1),
    memoryInGB: z.number().positive().default(1.5),
    gpu: z.strictObject({ count: z.int().min(1).max(4), sku: z.enum(['K80', 'P100', 'V100']) }).optional(),
    env: envMap.default({}),
    /** Values come from `${SECRET}` variables; never printed, never read back from Azure. */
    secureEnv: envMap.default({}),
    ports: z.array(z.int().min(1).max(65535)).min(1).optional(),
    dnsNameLabel: z
      .string()
      .regex(DNS_LABEL, "5-63 characters: lowercase letters, digits and '-', starting with a letter")
      .optional(),
    restartPolicy: z.enum(['Always', 'OnFailure', 'Never']).default('Always'),
    osType: z.enum(['Linux', 'Windows']).default('Linux'),
    registry: z
      .union([
        z.strictObject({
          server: z.string().min(1),
          username: z.string().min(1),
          password: z.string().min(1),
        }),
        z.strictObject({ server: z.string().min(1), identity: z.string().min(1) }),
      ])
      .optional(),
    identity: z.array(z.string().min(1)).optional(),
    subnet: z
      .string()
      .regex(/\/subnets\/[^/]+$/i, 'a subnet resource id (.../virtualNetworks/<vnet>/subnets/<subnet>)')
      .optional(),
    tags: z.record(z.string(), z.string()).default({}),
    auth: z
      .strictObject({
        enabled: z.boolean().default(false),
        /** Keys from secret variables; generated at deploy when absent. */
        primaryKey: z.string().min(16).optional(),
        secondaryKey: z.string().min(16).optional(),
      })
      .default({ enabled: false }),
    logs: z.strictObject({ tail: z.int().min(1).max(10000).default(200) }).default({ tail: 200 }),
    /** How long verify waits for Running and a healthy answer. */
    readyTimeoutSeconds: z.int().min(5).max(3600).default(600),
  })
  .superRefine((c, ctx) => {
    const max = regionMaxima(c.location);
    if (c.cpu > max.cpu)
      ctx.addIssue({
        code: 'custom',
        path: ['cpu'],
        message: `${c.cpu} CPU is above the ${max.cpu} CPU a container group can have in ${c.location}; lower cpu or choose another location`,
      });
    if (c.memoryInGB > max.memoryInGB)
      ctx.addIssue({
        code: 'custom',
        path: ['memoryInGB'],
        message: `${c.memoryInGB} GB is above the ${max.memoryInGB} GB a container group can have in ${c.location}; lower memoryInGB or choose another location`,
      });
    if (c.subnet && c.dnsNameLabel)
      ctx.addIssue({
        code: 'custom',
        path: ['dnsNameLabel'],
        message: 'a group in a VNet subnet has a private IP only; remove dnsNameLabel or subnet',
      });
    for (const k of Object.keys(c.secureEnv))
      if (k in c.env)
        ctx.addIssue({
          code: 'custom',
          path: ['secureEnv', k],
          message: `${k} is also in env; keep it in one of them`,
        });
  });

export type AciConfig = z.output<typeof aciConfigSchema>;
