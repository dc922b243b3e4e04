export { type NodePool, nodeCapacity } from './node-pools.ts';
export { type AksProvider, createAksProvider, type SeedOptions, seedCluster } from './provider.ts';
export { FPGA_RESOURCE, GPU_RESOURCE, VM_SIZES, type VmSize, vmSizeProblem } from './vm-sizes.ts';
