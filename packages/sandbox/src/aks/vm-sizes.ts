/**
 * The VM sizes the sandbox offers for AKS node pools: what a node of that size can hold and
 * where Azure sells it. The one place device resources (GPU, FPGA) are named; targets that
 * request a device must use the same resource names.
 */
export interface VmSize {
  cpu: number;
  memoryGi: number;
  /** Extended resources a node of this size advertises, e.g. `{ 'nvidia.com/gpu': 1 }`. */
  devices: Record<string, number>;
  /** Locations where the size is offered; undefined: every location the sandbox knows. */
  locations?: readonly string[];
}

/** Extended resource an FPGA node advertises (one Intel Arria 10 per `Standard_PB6s`). */
export const FPGA_RESOURCE = 'microsoft.com/fpga';
/** Extended resource a GPU node advertises (NVIDIA device plugin). */
export const GPU_RESOURCE = 'nvidia.com/gpu';

const FPGA_LOCATIONS = ['eastus', 'westus2', 'westeurope', 'southeastasia'] as const;

export const VM_SIZES: Readonly<Record<string, VmSize>> = {
  Standard_B2s: { cpu: 2, memoryGi: 4, devices: {} },
  Standard_DS1_v2: { cpu: 1, memoryGi: 3.5, devices: {} },
  Standard_DS2_v2: { cpu: 2, memoryGi: 7, devices: {} },
  Standard_DS3_v2: { cpu: 4, memoryGi: 14, devices: {} },
  Standard_D2s_v3: { cpu: 2, memoryGi: 8, devices: {} },
  Standard_D4s_v3: { cpu: 4, memoryGi: 16, devices: {} },
  Standard_D8s_v3: { cpu: 8, memoryGi: 32, devices: {} },
  Standard_NC6s_v3: { cpu: 6, memoryGi: 112, devices: { [GPU_RESOURCE]: 1 } },
  Standard_NC4as_T4_v3: { cpu: 4, memoryGi: 28, devices: { [GPU_RESOURCE]: 1 } },
  Standard_PB6s: { cpu: 6, memoryGi: 112, devices: { [FPGA_RESOURCE]: 1 }, locations: FPGA_LOCATIONS },
};

/** Locations the sandbox accepts for clusters (lower-case, no spaces, as ARM normalises them). */
export const LOCATIONS: readonly string[] = [
  'eastus',
  'eastus2',
  'westus2',
  'westus3',
  'centralus',
  'northeurope',
  'westeurope',
  'uksouth',
  'southeastasia',
  'australiaeast',
  'japaneast',
];

export function normaliseLocation(location: string): string {
  return location.toLowerCase().replace(/\s+/g, '');
}

/** Why `vmSize` cannot be used in `location`, or undefined when it can. */
export function vmSizeProblem(vmSize: string, location: string): string | undefined {
  const size = Object.entries(VM_SIZES).find(([name]) => name.toLowerCase() === vmSize.toLowerCase())?.[1];
  const loc = normaliseLocation(location);
  if (!size) {
    return `The VM size of ${vmSize} is not supported. Supported sizes: ${Object.keys(VM_SIZES).join(', ')}.`;
  }
  if (size.locations && !size.locations.includes(loc)) {
    return `The VM size of ${vmSize} is not allowed in location '${location}'. It is offered in: ${size.locations.join(', ')}.`;
  }
  return undefined;
}

export function vmSizeOf(vmSize: string): VmSize | undefined {
  return Object.entries(VM_SIZES).find(([name]) => name.toLowerCase() === vmSize.toLowerCase())?.[1];
}
