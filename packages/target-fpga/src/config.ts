import { clusterRef, k8sName } from '@dove/target-aks';
import { z } from 'zod';
import {
  ARCHITECTURES,
  DEFAULT_INPUT_TENSOR,
  DEFAULT_OUTPUT_TENSOR,
  FPGA_SIZES,
  fpgaSize,
} from './catalogue.ts';

const port = z.number().int().min(1, 'a port from 1 to 65535').max(65535, 'a port from 1 to 65535');

/** PEM text, or the path of a PEM file (read at deploy time). */
const pem = z.string().min(1);

export const configSchema = z.strictObject({
  /** The AKS cluster, as in the AKS target (it must exist: Dove adds the FPGA pool to it). */
  cluster: clusterRef,
  namespace: k8sName.default('default'),
  /** Name of the Kubernetes objects (default: `<model>-<environment>`). */
  name: k8sName.optional(),
  nodePool: z
    .strictObject({
      /** Agent pool name: lower-case letters and digits, 1-12 characters, starting with a letter. */
      name: z
        .string()
        .regex(
          /^[a-z][a-z0-9]{0,11}$/,
          'an agent pool name: 1-12 lower-case letters and digits, starting with a letter',
        )
        .default('fpga'),
      vmSize: z
        .string()
        .refine((s) => fpgaSize(s) !== undefined, {
          message: `an FPGA VM size Dove knows: ${Object.keys(FPGA_SIZES).join(', ')}`,
        })
        .default('Standard_PB6s'),
      count: z.number().int().min(1).max(100).default(1),
    })
    .default({ name: 'fpga', vmSize: 'Standard_PB6s', count: 1 }),
  architecture: z.enum(ARCHITECTURES, {
    error: `a supported featurizer: ${ARCHITECTURES.join(', ')}`,
  }),
  /** The 8-bit quantized form (azureml.accel's Quantized* models) or float32. */
  quantized: z.boolean().default(true),
  inputTensor: z.string().min(1).default(DEFAULT_INPUT_TENSOR),
  outputTensor: z.string().min(1).default(DEFAULT_OUTPUT_TENSOR),
  /** The serving image (default: the spec's scoring.image). */
  image: z.string().min(1).optional(),
  replicas: z.number().int().min(1).max(100).default(1),
  strategy: z.enum(['rolling', 'blue-green']).default('rolling'),
  protocol: z
    .strictObject({
      /** Port the Service exposes (azureml.accel: 80, or 443 with TLS). */
      port: port.default(80),
      /** Port the gRPC server listens on in the container (given to it as PORT). */
      containerPort: port.default(50051),
      /** TLS: the server's certificate and key (PEM text or file paths); `ca` lets verify trust a private CA. */
      tls: z
        .strictObject({
          cert: pem,
          key: pem,
          ca: pem.optional(),
          /** Name in the certificate, checked by verify (default: the certificate must cover the address). */
          serverName: z.string().min(1).optional(),
        })
        .optional(),
      /** Require an API key (metadata `authorization: Bearer <key>`); Dove generates and stores it. */
      auth: z.boolean().default(false),
    })
    .default({ port: 80, containerPort: 50051, auth: false }),
  /** One input for verify's Predict call: rows of numbers (default: scoring.sample.body.data or .inputs). */
  sample: z.array(z.array(z.number()).min(1)).min(1).optional(),
  env: z.record(z.string(), z.string()).default({}),
  progressDeadlineSeconds: z.number().int().min(10).max(3600).default(600),
  labels: z.record(z.string(), z.string()).default({}),
});

export type FpgaConfig = z.infer<typeof configSchema>;
