/**
 * Maximum CPU and memory (GB) of one Linux container group without a VNet, by region.
 * Source: learn.microsoft.com/azure/container-instances/container-instances-resource-and-quota-limits
 * ("Resource availability by region"; standard SKU, checked 2026-11). Regions not listed use
 * the common default; Azure has the last word and answers ServiceUnavailable when it cannot.
 */
export const REGION_MAXIMA: Record<string, { cpu: number; memoryInGB: number }> = {
  default: { cpu: 4, memoryInGB: 16 },
  westeurope: { cpu: 4, memoryInGB: 14 },
  northeurope: { cpu: 4, memoryInGB: 16 },
  eastus: { cpu: 4, memoryInGB: 16 },
  eastus2: { cpu: 4, memoryInGB: 16 },
  westus2: { cpu: 4, memoryInGB: 16 },
  australiasoutheast: { cpu: 4, memoryInGB: 14 },
};

export function regionMaxima(location: string): { cpu: number; memoryInGB: number } {
  const key = location.toLowerCase().replace(/\s+/g, '');
  return REGION_MAXIMA[key] ?? (REGION_MAXIMA.default as { cpu: number; memoryInGB: number });
}
