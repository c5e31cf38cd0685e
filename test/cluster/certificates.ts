// The simulated cluster's certificates, made fresh for every cluster with openssl: a CA, the API
// server's serving certificate (valid for 127.0.0.1, localhost and the in-cluster names), the
// service-account signing key pair and an admin client certificate in group system:masters that
// every component and the kubeconfig use. Keys are ECDSA P-256 (fast to make, accepted by every
// component). Nothing here is meant to protect anything: the files live in the run's temp dir.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCommand } from '../integration/servers/cache.ts';

export interface ClusterCertificates {
  dir: string;
  caCert: string;
  caKey: string;
  serverCert: string;
  serverKey: string;
  serviceAccountKey: string;
  serviceAccountPublicKey: string;
  adminCert: string;
  adminKey: string;
}

/** The ClusterIP of the `kubernetes` Service: the first address of the service range. */
export const serviceClusterIpRange = '10.96.0.0/16';
const kubernetesServiceIp = '10.96.0.1';
const days = '30';

/** Where the certificates of a cluster live in `dir` (they exist once createCertificates ran). */
export function certificatePaths(dir: string): ClusterCertificates {
  const file = (name: string) => join(dir, name);
  return {
    dir,
    caCert: file('ca.crt'),
    caKey: file('ca.key'),
    serverCert: file('apiserver.crt'),
    serverKey: file('apiserver.key'),
    serviceAccountKey: file('service-account.key'),
    serviceAccountPublicKey: file('service-account.pub'),
    adminCert: file('admin.crt'),
    adminKey: file('admin.key'),
  };
}

export async function createCertificates(dir: string): Promise<ClusterCertificates> {
  await mkdir(dir, { recursive: true });
  const certs = certificatePaths(dir);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

  await openssl(['req', '-x509', ...ec, '-keyout', certs.caKey, '-out', certs.caCert, '-days', days, '-subj', '/CN=simulated-cluster-ca',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign,digitalSignature']);

  const serverNames = ['DNS:localhost', 'DNS:kubernetes', 'DNS:kubernetes.default', 'DNS:kubernetes.default.svc',
    'DNS:kubernetes.default.svc.cluster.local', 'IP:127.0.0.1', `IP:${kubernetesServiceIp}`];
  await signedBy(certs, 'apiserver', '/CN=kube-apiserver', ec, [
    'keyUsage=critical,digitalSignature,keyEncipherment', 'extendedKeyUsage=serverAuth', `subjectAltName=${serverNames.join(',')}`,
  ]);
  await signedBy(certs, 'admin', '/O=system:masters/CN=simulated-cluster-admin', ec, [
    'keyUsage=critical,digitalSignature,keyEncipherment', 'extendedKeyUsage=clientAuth',
  ]);

  await openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-out', certs.serviceAccountKey]);
  await openssl(['pkey', '-in', certs.serviceAccountKey, '-pubout', '-out', certs.serviceAccountPublicKey]);
  return certs;
}

async function signedBy(certs: ClusterCertificates, name: string, subject: string, keyArgs: string[], extensions: string[]): Promise<void> {
  const key = join(certs.dir, `${name}.key`);
  const csr = join(certs.dir, `${name}.csr`);
  const extFile = join(certs.dir, `${name}.ext`);
  await writeFile(extFile, `${extensions.join('\n')}\n`);
  await openssl(['req', ...keyArgs, '-keyout', key, '-out', csr, '-subj', subject]);
  await openssl(['x509', '-req', '-in', csr, '-CA', certs.caCert, '-CAkey', certs.caKey, '-CAcreateserial',
    '-days', days, '-out', join(certs.dir, `${name}.crt`), '-extfile', extFile]);
}

function openssl(args: string[]): Promise<string> {
  return runCommand('openssl', args, { heartbeat: false });
}
