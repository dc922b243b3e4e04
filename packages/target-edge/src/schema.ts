import { z } from 'zod';

/** IoT Hub module ids: not starting with `$` (system modules), at most 128 characters. */
export const MODULE_NAME = /^[A-Za-z0-9\-.+%_#*?!(),=@;'][A-Za-z0-9\-.+%_#*?!(),=@;'$]{0,127}$/;

const hub = z.union([
  z
    .string()
    .min(1)
    .transform((connectionString) => ({ connectionString })),
  z.object({
    /** `HostName=...;SharedAccessKeyName=...;SharedAccessKey=...`, from a secret variable. */
    connectionString: z.string().min(1),
  }),
]);

export const edgeConfigSchema = z
  .object({
    hub,
    /** One device id: the manifest is set on it directly. */
    device: z.string().min(1).max(128).optional(),
    /** A fleet: an automatic (or layered) deployment. */
    fleet: z
      .object({
        targetCondition: z.string().min(1),
        priority: z.number().int().min(0).default(10),
        layered: z.boolean().default(false),
      })
      .optional(),
    module: z
      .string()
      .regex(
        MODULE_NAME,
        "module names are letters, digits and - . + % _ # * ? ! ( ) , = @ ; ' (not starting with $), up to 128",
      )
      .default('scorer'),
    /** Defaults to the spec's scoring image. */
    image: z.string().min(1).optional(),
    createOptions: z
      .object({
        /** Host ports bound to the scoring port (default: the scoring port). */
        ports: z.array(z.number().int().min(1).max(65535)).optional(),
        gpu: z.boolean().default(false),
        volumes: z
          .array(
            z.object({
              host: z.string().min(1),
              container: z.string().min(1),
              readOnly: z.boolean().default(false),
            }),
          )
          .default([]),
        /** Extra Docker create options, merged last. */
        extra: z.record(z.string(), z.unknown()).optional(),
      })
      .default({ gpu: false, volumes: [] }),
    env: z.record(z.string(), z.string()).default({}),
    restartPolicy: z.enum(['always', 'on-failure', 'on-unhealthy', 'never']).default('always'),
    registry: z
      .object({ address: z.string().min(1), username: z.string().min(1), password: z.string().min(1) })
      .optional(),
    /** `$edgeHub` routes by name; default: the module's outputs to `$upstream`. */
    routes: z.record(z.string(), z.string()).optional(),
    storeAndForwardSeconds: z.number().int().min(0).default(7200),
    /** Desired properties of the model module's twin. */
    desiredProperties: z.record(z.string(), z.unknown()).default({}),
    /** Custom metrics (IoT Hub queries over the `$edgeAgent` module twins), by name. */
    metrics: z.record(z.string(), z.string()).default({}),
    /** Share of devices (%) that must report success. */
    successThreshold: z.number().min(0).max(100).default(95),
    deadlineSeconds: z.number().positive().default(900),
    pollSeconds: z.number().positive().default(5),
  })
  .superRefine((c, ctx) => {
    if (!!c.device === !!c.fleet)
      ctx.addIssue({
        code: 'custom',
        path: ['device'],
        message: 'set exactly one of device (one device id) or fleet ({ targetCondition, priority })',
      });
  });

export type EdgeConfig = z.output<typeof edgeConfigSchema>;
