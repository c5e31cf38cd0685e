// SIMULATION ONLY: the simulated controllers as a process of the simulated cluster, started by
// `cluster.ts up` beside kwok and stopped with it. Usage: node main.ts KUBECONFIG [PKI_DIR]
import { startSimulatedControllers } from './reconcile-loop.ts';

const kubeconfigPath = process.argv[2];
if (!kubeconfigPath) {
  process.stderr.write('usage: simulated-controllers/main.ts KUBECONFIG [PKI_DIR]\n');
  process.exit(2);
}
const line = (text: string) => `${new Date().toISOString()} ${text}\n`;
const pkiDir = process.argv[3];
const controllers = startSimulatedControllers(kubeconfigPath, {
  ...(pkiDir ? { pkiDir } : {}),
  log: (text) => process.stdout.write(line(text)),
  onError: (text) => process.stderr.write(line(`error: ${text}`)),
});
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    void controllers.stop().then(() => process.exit(0));
  });
}
process.stdout.write(line(`simulated controllers running against ${kubeconfigPath}`));
