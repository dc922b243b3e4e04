export { createKubeCluster, type KubeCluster, type KubeNodePool } from './cluster.ts';
