// What Dove knows about FPGA hardware on AKS and the networks it can host (the featurizers
// Azure ML's azureml.accel offered). Plan checks settings against this before creating anything.

/** An AKS VM size with an FPGA. */
export interface FpgaSize {
  vcpus: number;
  memoryGiB: number;
  /** FPGAs per node. */
  fpgas: number;
  device: string;
  /** Extended resource the node advertises and pods request. */
  resource: string;
  /** Regions where Azure offers the size (ARM location names). */
  regions: readonly string[];
  /** The vCPU quota family a node pool of this size counts against. */
  quotaFamily: string;
}

export const FPGA_SIZES: Readonly<Record<string, FpgaSize>> = {
  Standard_PB6s: {
    vcpus: 6,
    memoryGiB: 112,
    fpgas: 1,
    device: 'Intel Arria 10',
    resource: 'microsoft.com/fpga',
    regions: ['eastus', 'westus2', 'westeurope', 'southeastasia'],
    quotaFamily: 'Standard PBS Family vCPUs',
  },
};

/** Case-insensitive lookup, as ARM compares VM size names. */
export function fpgaSize(vmSize: string): [string, FpgaSize] | undefined {
  return Object.entries(FPGA_SIZES).find(([name]) => name.toLowerCase() === vmSize.toLowerCase());
}

export const ARCHITECTURES = ['resnet50', 'resnet152', 'densenet121', 'vgg16', 'ssd-vgg'] as const;
export type Architecture = (typeof ARCHITECTURES)[number];

/** Display names, as azureml.accel's model classes called them. */
export const ARCHITECTURE_NAMES: Record<Architecture, string> = {
  resnet50: 'ResNet 50 (QuantizedResnet50 / Resnet50)',
  resnet152: 'ResNet 152 (QuantizedResnet152 / Resnet152)',
  densenet121: 'DenseNet-121 (QuantizedDensenet121 / Densenet121)',
  vgg16: 'VGG-16 (QuantizedVgg16 / Vgg16)',
  'ssd-vgg': 'SSD-VGG (QuantizedSsdVgg / SsdVgg)',
};

/** azureml.accel's input tensor for every featurizer. */
export const DEFAULT_INPUT_TENSOR = 'Placeholder:0';
export const DEFAULT_OUTPUT_TENSOR = 'output:0';

/** Minutes AKS usually takes to add a node pool (Azure's own figure is "several minutes"). */
export const NODE_POOL_MINUTES = '5-10';

export const normaliseRegion = (location: string) => location.toLowerCase().replace(/\s+/g, '');
