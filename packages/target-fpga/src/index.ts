export {
  ARCHITECTURE_NAMES,
  ARCHITECTURES,
  type Architecture,
  FPGA_SIZES,
  type FpgaSize,
  fpgaSize,
} from './catalogue.ts';
export { configSchema, type FpgaConfig } from './config.ts';
export { type FpgaDesired, type FpgaOptions, type FpgaPrevious, fpga } from './plugin.ts';
export { ACCELERATOR_LABEL, POOL_LABEL, TAG_CREATED_BY } from './pool.ts';
