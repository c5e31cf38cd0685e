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
import { clusterProfiles, defaultStateDir, simulatedClusterStatus, startSimulatedCluster, stopSimulatedCluster } from '../test/cluster/simulated-cluster.ts';
import { command, runSubcommands } from './lib/options.ts';

const simulatedCluster = {
  run: 'node scripts/cluster.ts',
  description: 'The simulated cluster: a real Kubernetes control plane on loopback with fake nodes and simulated controllers (test/cluster/README.md).',
  examples: ['npm run cluster:up', 'npm run cluster:down'],
  commands: {
    up: command({
      run: 'npm run cluster:up --',
      description: 'Starts it, or reuses the healthy one already running (of the --profile asked for; without --profile any), and writes its kubeconfig.',
      options: {
        profile: { type: 'string', choices: clusterProfiles, description: 'the nodes\' shape (default: the running one\'s, else default)' },
        kubeconfig: { type: 'string', value: 'path', description: 'where to write the kubeconfig (default: the running one\'s, else .cluster/kubeconfig)' },
      },
      examples: ['npm run cluster:up -- --profile small', 'npm run cluster:up && KUBECONFIG=.cluster/kubeconfig npm run doctor -- --target minikube'],
    }),
    down: command({ run: 'npm run cluster:down --', description: 'Stops it and removes its data.', options: {}, examples: ['npm run cluster:down'] }),
    status: command({ run: 'node scripts/cluster.ts status', description: 'Says whether it runs, with each process\'s pid and memory.', options: {}, examples: ['node scripts/cluster.ts status'] }),
  },
};
const mib = (bytes: number | undefined) => (bytes === undefined ? '-' : `${Math.round(bytes / 2 ** 20)} MiB`);

await runSubcommands(simulatedCluster, {
  async up({ values }) {
    const kubeconfigPath = values.kubeconfig === undefined ? undefined : resolve(values.kubeconfig);
    const cluster = await startSimulatedCluster({ profile: values.profile, stateDir: defaultStateDir, kubeconfigPath });
    console.log(`simulated cluster ${cluster.reused ? 'already running' : 'up'}: profile ${cluster.profile}, API server ${cluster.apiServerUrl}`);
    if (!cluster.reused) console.log(`  /readyz after ${seconds(cluster.timings.readyzAfterMs)}, node Ready after ${seconds(cluster.timings.nodesReadyAfterMs)}`);
    console.log(`  export KUBECONFIG=${relative(process.cwd(), cluster.kubeconfigPath) || cluster.kubeconfigPath}`);
    console.log(`  kubectl: ${cluster.binaries.kubectl}`);
  },
  async down() {
    const stopped = await stopSimulatedCluster(defaultStateDir);
    console.log(stopped ? 'simulated cluster stopped, its data removed' : `no simulated cluster recorded in ${defaultStateDir}`);
  },
  async status() {
    const status = await simulatedClusterStatus(defaultStateDir);
    if (!status) {
      console.log(`no simulated cluster recorded in ${defaultStateDir}; start one with: node scripts/cluster.ts up`);
      process.exitCode = 3;
      return;
    }
    const { state } = status;
    console.log(`simulated cluster (profile ${state.profile}) started ${state.startedAt}: ${status.problems.length === 0 ? 'healthy' : status.problems.join('; ')}`);
    console.log(`  API server ${state.apiServerUrl}, kubeconfig ${state.kubeconfigPath}, data ${state.dataDir}`);
    for (const p of status.processes) console.log(`  ${p.name.padEnd(24)} pid ${String(p.pid).padEnd(8)} ${p.running ? `running, RSS ${mib(p.residentBytes)}` : 'NOT RUNNING'}  log ${p.logFile}`);
    const total = status.processes.reduce((sum, p) => sum + (p.residentBytes ?? 0), 0);
    console.log(`  total RSS ${mib(total)}`);
    if (status.problems.length > 0) process.exitCode = 1;
  },
});

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
