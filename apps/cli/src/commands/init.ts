// `dove init`: writes a starter dove.yaml for one target kind, from flags or by asking.
import { existsSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { CliError, EXIT, type ExitCode } from '../exit-codes.ts';
import type { Output } from '../render/output.ts';

export const KINDS = ['aci', 'aks', 'edge', 'fpga'] as const;
type Kind = (typeof KINDS)[number];

const ENV_NAME: Record<Kind, string> = { aci: 'dev', aks: 'prod', edge: 'edge-fleet', fpga: 'fast' };

const TARGET_BLOCK: Record<Kind, string> = {
  aci: `    kind: aci
    subscription: \${AZURE_SUBSCRIPTION_ID}
    resourceGroup: \${AZURE_RESOURCE_GROUP}
    location: \${AZURE_LOCATION:-westeurope}
    cpu: 1
    memoryGb: 1.5`,
  aks: `    kind: aks
    subscription: \${AZURE_SUBSCRIPTION_ID}
    resourceGroup: \${AZURE_RESOURCE_GROUP}
    cluster: \${AKS_CLUSTER}
    namespace: models
    strategy: blue-green`,
  edge: `    kind: edge
    hub: \${IOT_HUB}
    targetCondition: "tags.role = 'scorer'"
    priority: 10`,
  fpga: `    kind: fpga
    cluster:
      subscription: \${AZURE_SUBSCRIPTION_ID}
      resourceGroup: \${AZURE_RESOURCE_GROUP}
      name: \${AKS_CLUSTER}
    # An FPGA node pool is added to the cluster when it has none (Standard_PB6s: eastus,
    # westus2, westeurope, southeastasia; quota "Standard PBS Family vCPUs").
    nodePool:
      vmSize: Standard_PB6s
      count: 1
    architecture: resnet50`,
};

const NAME = /^[a-z0-9]+(-[a-z0-9]+)*$/;

export function starterSpec(o: { kind: Kind; model: string; image: string; path: string }): string {
  return `# Dove deployment spec. Check it with \`dove validate\`; deploy with \`dove deploy ${ENV_NAME[o.kind]}\`.
# \${NAME} is filled from the environment or --var NAME=value (\${NAME:-default} has a default).
apiVersion: dove/v1

model:
  name: ${o.model}
  version: \${DOVE_MODEL_VERSION:-0.1.0}
  path: ${o.path}

scoring:
  image: ${o.image}
  port: 5001
  scoreRoute: /score
  healthRoute: /
  sample:
    body: { data: [[5.1, 3.5, 1.4, 0.2]] }
    expectStatus: 200
    expectKey: result

targets:
  ${ENV_NAME[o.kind]}:
${TARGET_BLOCK[o.kind]}
`;
}

export interface InitFlags {
  target?: string;
  model?: string;
  image?: string;
  path?: string;
  force?: boolean;
}

export async function initCommand(flags: InitFlags, spec: string, out: Output): Promise<ExitCode> {
  const file = resolve(spec);
  if (existsSync(file) && !flags.force)
    throw new CliError(`${spec} already exists; pass --force to overwrite it`, {
      exitCode: EXIT.badInput,
      code: 'DOVE_BAD_FLAG',
    });
  const answers = { ...flags };
  const interactive = process.stdin.isTTY && process.stdout.isTTY && !out.json;
  if (interactive && (!answers.target || !answers.model || !answers.image)) {
    const rl = createInterface({ input: process.stdin, output: process.stdout });
    try {
      answers.target ||= (await rl.question(`Target kind (${KINDS.join(', ')}) [aci]: `)).trim() || 'aci';
      answers.model ||= (await rl.question('Model name [my-model]: ')).trim() || 'my-model';
      answers.image ||= (
        await rl.question(`Scoring image [myregistry.azurecr.io/${answers.model}:0.1.0]: `)
      ).trim();
    } finally {
      rl.close();
    }
  }
  const kind = (answers.target ?? 'aci') as Kind;
  if (!KINDS.includes(kind))
    throw new CliError(`--target must be one of ${KINDS.join(', ')}, got "${answers.target}"`, {
      exitCode: EXIT.badInput,
      code: 'DOVE_BAD_FLAG',
    });
  const model = answers.model ?? 'my-model';
  if (!NAME.test(model))
    throw new CliError(`--model must be lower-case letters, digits and '-', got "${model}"`, {
      exitCode: EXIT.badInput,
      code: 'DOVE_BAD_FLAG',
    });
  const image = answers.image || `myregistry.azurecr.io/${model}:0.1.0`;
  writeFileSync(file, starterSpec({ kind, model, image, path: answers.path ?? 'model' }), { flag: 'w' });
  if (out.json) out.document({ file, kind, environment: ENV_NAME[kind] });
  else {
    out.line(`${out.color.green('✔')} wrote ${spec} with one ${kind} target (${ENV_NAME[kind]})`);
    out.line(`  next: dove validate --spec ${spec}   then   dove deploy ${ENV_NAME[kind]} --spec ${spec}`);
  }
  return EXIT.ok;
}
