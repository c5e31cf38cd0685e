#!/usr/bin/env node
// node scripts/cluster.ts up [--profile default|small] [--kubeconfig PATH] | down | status
// The simulated cluster for developing and testing the bootstrap with no real cluster: a real
// Kubernetes control plane on loopback with fake nodes (kwok) and simulated controllers for the
// custom resources. No container runs in it. See test/cluster/README.md.
//   up      starts it (the first run builds the binaries, 10–35 min) and writes the kubeconfig to
//           .cluster/kubeconfig, or reuses the one already running when it is healthy (and of
//           the --profile asked for; without --profile any; a new one is `default`)
//   down    stops it and removes its data
//   status  says whether it runs, with each process's pid and memory
import { relative, resolve } from 'node:path';
import { argv } from 'zx';
import { clusterProfiles, defaultStateDir, simulatedClusterStatus, startSimulatedCluster, stopSimulatedCluster, type ClusterProfile } from '../test/cluster/simulated-cluster.ts';
import { fail, runMain } from './lib/cli.ts';

const usage = 'node scripts/cluster.ts up [--profile default|small] [--kubeconfig PATH] | down | status';
const mib = (bytes: number | undefined) => (bytes === undefined ? '-' : `${Math.round(bytes / 2 ** 20)} MiB`);

await runMain(async () => {
  const [command] = argv._;
  switch (command) {
    case 'up': {
      const profile = argv.profile === undefined ? undefined : String(argv.profile);
      if (profile !== undefined && !clusterProfiles.includes(profile as ClusterProfile)) fail(`--profile must be one of ${clusterProfiles.join(', ')}, not "${profile}"`, usage);
      const kubeconfigPath = argv.kubeconfig === undefined ? undefined : resolve(String(argv.kubeconfig));
      const cluster = await startSimulatedCluster({ profile: profile as ClusterProfile | undefined, stateDir: defaultStateDir, kubeconfigPath });
      console.log(`simulated cluster ${cluster.reused ? 'already running' : 'up'}: profile ${cluster.profile}, API server ${cluster.apiServerUrl}`);
      if (!cluster.reused) console.log(`  /readyz after ${seconds(cluster.timings.readyzAfterMs)}, node Ready after ${seconds(cluster.timings.nodesReadyAfterMs)}`);
      console.log(`  export KUBECONFIG=${relative(process.cwd(), cluster.kubeconfigPath) || cluster.kubeconfigPath}`);
      console.log(`  kubectl: ${cluster.binaries.kubectl}`);
      break;
    }
    case 'down': {
      const stopped = await stopSimulatedCluster(defaultStateDir);
      console.log(stopped ? 'simulated cluster stopped, its data removed' : `no simulated cluster recorded in ${defaultStateDir}`);
      break;
    }
    case 'status': {
      const status = await simulatedClusterStatus(defaultStateDir);
      if (!status) {
        console.log(`no simulated cluster recorded in ${defaultStateDir}; start one with: node scripts/cluster.ts up`);
        process.exitCode = 3;
        break;
      }
      const { state } = status;
      console.log(`simulated cluster (profile ${state.profile}) started ${state.startedAt}: ${status.problems.length === 0 ? 'healthy' : status.problems.join('; ')}`);
      console.log(`  API server ${state.apiServerUrl}, kubeconfig ${state.kubeconfigPath}, data ${state.dataDir}`);
      for (const p of status.processes) console.log(`  ${p.name.padEnd(24)} pid ${String(p.pid).padEnd(8)} ${p.running ? `running, RSS ${mib(p.residentBytes)}` : 'NOT RUNNING'}  log ${p.logFile}`);
      const total = status.processes.reduce((sum, p) => sum + (p.residentBytes ?? 0), 0);
      console.log(`  total RSS ${mib(total)}`);
      if (status.problems.length > 0) process.exitCode = 1;
      break;
    }
    default:
      fail(command === undefined ? 'which command?' : `unknown command "${String(command)}"`, usage);
  }
});

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
