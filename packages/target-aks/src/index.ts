export { armClient, findCluster, kubeconfigText } from './cluster.ts';
export { type AksConfig, AZUREML_PROBE, clusterRef, configSchema, DOVE_PROBE, k8sName } from './config.ts';
export type { ServiceAddress, WorkloadExtension } from './extension.ts';
export { connect, type Kube, kubeConfigFrom } from './kube.ts';
export { type KubeRetryOptions, transientDelay, withKubeRetry } from './kube-retry.ts';
export { baseName } from './names.ts';
export { type AksOptions, aks } from './plugin.ts';
export { RolloutError } from './rollout.ts';
