// Starts the real control plane of the simulated cluster on loopback: etcd, kube-apiserver,
// kube-controller-manager and kube-scheduler, each on a free port, with its data and logs in the
// run's directory. It waits for etcd's /health, the API server's /readyz and the other two
// components' /healthz before it returns. It never touches anything outside `dir`.
import { request } from 'node:https';
import { request as httpRequest } from 'node:http';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { freePort } from '../support/processes.ts';
import type { ClusterBinaries } from './build.ts';
import { serviceClusterIpRange, type ClusterCertificates } from './certificates.ts';
import { launch, waitFor, type ClusterProcess } from './processes.ts';

export interface ControlPlane {
  apiServerUrl: string;
  processes: ClusterProcess[];
  /** Milliseconds from the first process start to the API server's /readyz answering ok. */
  readyzAfterMs: number;
}

export async function startControlPlane(binaries: ClusterBinaries, certs: ClusterCertificates, dir: string, onProcess: (p: ClusterProcess) => void): Promise<ControlPlane> {
  const started = performance.now();
  const logs = join(dir, 'logs');
  await mkdir(logs, { recursive: true });
  const [etcdPort, etcdPeerPort, apiPort, kcmPort, schedulerPort] = (await distinctFreePorts(5)) as [number, number, number, number, number];
  const apiServerUrl = `https://127.0.0.1:${apiPort}`;

  const etcdUrl = `http://127.0.0.1:${etcdPort}`;
  const peerUrl = `http://127.0.0.1:${etcdPeerPort}`;
  const etcd = launch('etcd', binaries.etcd, [
    '--name=simulated', `--data-dir=${join(dir, 'etcd')}`,
    `--listen-client-urls=${etcdUrl}`, `--advertise-client-urls=${etcdUrl}`,
    `--listen-peer-urls=${peerUrl}`, `--initial-advertise-peer-urls=${peerUrl}`, `--initial-cluster=simulated=${peerUrl}`,
    // A throwaway store: skipping fsync makes it several times faster and loses nothing we keep.
    '--unsafe-no-fsync', '--log-level=warn',
  ], join(logs, 'etcd.log'));
  onProcess(etcd);
  await waitFor(etcd, `/health on ${etcdUrl}`, () => httpOk(`${etcdUrl}/health`), 30_000);

  const apiServer = launch('kube-apiserver', binaries.kubeApiserver, [
    `--etcd-servers=${etcdUrl}`,
    '--bind-address=127.0.0.1', '--advertise-address=127.0.0.1', `--secure-port=${apiPort}`,
    `--tls-cert-file=${certs.serverCert}`, `--tls-private-key-file=${certs.serverKey}`, `--client-ca-file=${certs.caCert}`,
    `--service-account-key-file=${certs.serviceAccountPublicKey}`, `--service-account-signing-key-file=${certs.serviceAccountKey}`,
    '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
    `--service-cluster-ip-range=${serviceClusterIpRange}`,
    '--authorization-mode=RBAC', '--allow-privileged=true',
    // A loopback address cannot be an endpoint of the `kubernetes` Service; nothing in the
    // simulation dials it from a pod anyway.
    '--endpoint-reconciler-type=none',
    `--cert-dir=${join(dir, 'apiserver-certs')}`, '--profiling=false', '--v=0',
  ], join(logs, 'kube-apiserver.log'));
  onProcess(apiServer);
  await waitFor(apiServer, `/readyz on ${apiServerUrl}`, () => httpsOk(`${apiServerUrl}/readyz`, certs), 90_000);
  const readyzAfterMs = Math.round(performance.now() - started);

  const componentConfig = join(dir, 'components.kubeconfig');
  await writeFile(componentConfig, kubeconfigYaml(apiServerUrl, certs, 'files'));
  const controllerManager = launch('kube-controller-manager', binaries.kubeControllerManager, [
    `--kubeconfig=${componentConfig}`, `--authentication-kubeconfig=${componentConfig}`, `--authorization-kubeconfig=${componentConfig}`,
    '--bind-address=127.0.0.1', `--secure-port=${kcmPort}`, `--cert-dir=${join(dir, 'controller-manager-certs')}`,
    '--leader-elect=false', '--use-service-account-credentials=false',
    `--service-account-private-key-file=${certs.serviceAccountKey}`, `--root-ca-file=${certs.caCert}`,
    `--cluster-signing-cert-file=${certs.caCert}`, `--cluster-signing-key-file=${certs.caKey}`,
    `--service-cluster-ip-range=${serviceClusterIpRange}`, '--cluster-name=simulated', '--profiling=false', '--v=0',
  ], join(logs, 'kube-controller-manager.log'));
  onProcess(controllerManager);
  const scheduler = launch('kube-scheduler', binaries.kubeScheduler, [
    `--kubeconfig=${componentConfig}`, `--authentication-kubeconfig=${componentConfig}`, `--authorization-kubeconfig=${componentConfig}`,
    '--bind-address=127.0.0.1', `--secure-port=${schedulerPort}`, `--cert-dir=${join(dir, 'scheduler-certs')}`,
    '--leader-elect=false', '--profiling=false', '--v=0',
  ], join(logs, 'kube-scheduler.log'));
  onProcess(scheduler);
  await Promise.all([
    waitFor(controllerManager, `/healthz on port ${kcmPort}`, () => httpsOk(`https://127.0.0.1:${kcmPort}/healthz`), 60_000),
    waitFor(scheduler, `/healthz on port ${schedulerPort}`, () => httpsOk(`https://127.0.0.1:${schedulerPort}/healthz`), 60_000),
  ]);
  return { apiServerUrl, processes: [etcd, apiServer, controllerManager, scheduler], readyzAfterMs };
}

/**
 * A kubeconfig for the admin identity (group system:masters). `embedded` carries the
 * certificates inline, so the file works wherever it is copied; `files` points at them.
 */
export function kubeconfigYaml(server: string, certs: ClusterCertificates, style: 'embedded' | 'files'): string {
  const name = 'simulated';
  const cluster = style === 'files'
    ? { server, 'certificate-authority': certs.caCert }
    : { server, 'certificate-authority-data': '@ca' };
  const user = style === 'files'
    ? { 'client-certificate': certs.adminCert, 'client-key': certs.adminKey }
    : { 'client-certificate-data': '@cert', 'client-key-data': '@key' };
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name, cluster }],
    users: [{ name: 'simulated-admin', user }],
    contexts: [{ name, context: { cluster: name, user: 'simulated-admin' } }],
    'current-context': name,
  });
}

export async function writeAdminKubeconfig(path: string, server: string, certs: ClusterCertificates): Promise<void> {
  const [ca, cert, key] = await Promise.all([certs.caCert, certs.adminCert, certs.adminKey].map((f) => readFile(f)));
  const text = kubeconfigYaml(server, certs, 'embedded')
    .replace('@ca', (ca ?? Buffer.alloc(0)).toString('base64'))
    .replace('@cert', (cert ?? Buffer.alloc(0)).toString('base64'))
    .replace('@key', (key ?? Buffer.alloc(0)).toString('base64'));
  await writeFile(path, text, { mode: 0o600 });
}

/**
 * True when an HTTPS endpoint answers 2xx. With `certs` it verifies the server against the
 * cluster CA and presents the admin certificate; without, it accepts the component's own
 * self-signed certificate (controller manager and scheduler make one at start).
 */
export async function httpsOk(url: string, certs?: ClusterCertificates): Promise<boolean> {
  const tls = certs
    ? { ca: await readFile(certs.caCert), cert: await readFile(certs.adminCert), key: await readFile(certs.adminKey) }
    : { rejectUnauthorized: false };
  return new Promise((resolve) => {
    const req = request(url, { ...tls, timeout: 2_000 }, (res) => {
      res.resume();
      resolve((res.statusCode ?? 0) >= 200 && (res.statusCode ?? 0) < 300);
    });
    req.once('error', () => resolve(false));
    req.once('timeout', () => req.destroy());
    req.end();
  });
}

function httpOk(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = httpRequest(url, { timeout: 2_000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.once('error', () => resolve(false));
    req.once('timeout', () => req.destroy());
    req.end();
  });
}

/** Free ports that are also distinct from each other (the kernel may hand one out twice). */
async function distinctFreePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort());
  return [...ports];
}
