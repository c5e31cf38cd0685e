// The cluster's names and addresses, inside the network and mount namespace that
// run-in-namespace.ts creates: each Service gets its own loopback address, its rendered names
// (`<svc>.<ns>`, `<svc>.<ns>.svc`, `<svc>.<ns>.svc.cluster.local`) go into the hosts file
// bind-mounted over /etc/hosts, and dnsmasq answers the same names for nginx's `resolver`. A
// Service whose port differs from its workload's gets a TCP forwarder, the part kube-proxy (or
// Knative's routing) plays in a cluster. It must never write the host's /etc/hosts: it refuses to
// run outside the namespace.
import { randomUUID } from 'node:crypto';
import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { createServer, connect, type Server } from 'node:net';
import { join } from 'node:path';
import { startProcess, waitForReady, type ServerProcess } from '../support/processes.ts';

/** Set by run-in-namespace.ts: the file bind-mounted over /etc/hosts in the namespace. */
export const hostsFileVariable = 'PLATFORM_HOSTS_FILE';

export interface ServiceAddress {
  name: string;
  namespace: string;
  ip: string;
}

export class ClusterNetwork {
  private next = 1;
  private readonly addresses = new Map<string, ServiceAddress>();
  private readonly forwarders: Server[] = [];
  private dns: ServerProcess | undefined;

  readonly hostsFile: string;
  private readonly say: (line: string) => void;

  private constructor(hostsFile: string, say: (line: string) => void) {
    this.hostsFile = hostsFile;
    this.say = say;
  }

  /** The namespace's network, checked: /etc/hosts must be the harness's own file. */
  static async open(say: (line: string) => void): Promise<ClusterNetwork> {
    const file = process.env[hostsFileVariable];
    if (!file) throw new Error(`${hostsFileVariable} is not set: run the suite with \`npm run test:platform\`, which creates the network and mount namespace it needs`);
    // A fresh file per platform: names from an earlier one in the same run must not linger.
    const marker = `# knative-forecast platform test ${randomUUID()}\n`;
    await writeFile(file, `127.0.0.1 localhost\n::1 localhost ip6-localhost\n${marker}`);
    if (!(await readFile('/etc/hosts', 'utf8')).includes(marker)) throw new Error(`/etc/hosts is not ${file}: the suite is not inside its own mount namespace`);
    return new ClusterNetwork(file, say);
  }

  /** The address of a Service, given on first use (127.0.1.1, 127.0.1.2, …), its names in the hosts file. */
  async service(name: string, namespace: string): Promise<ServiceAddress> {
    const key = `${namespace}/${name}`;
    const known = this.addresses.get(key);
    if (known) return known;
    const ip = `127.0.1.${this.next++}`;
    const address = { name, namespace, ip };
    this.addresses.set(key, address);
    await this.addNames(ip, [`${name}.${namespace}`, `${name}.${namespace}.svc`, `${name}.${namespace}.svc.cluster.local`]);
    this.say(`address  ${ip}  Service ${namespace}/${name}`);
    return address;
  }

  /** Names outside the cluster's domain (the public host, a provider) for an address. */
  async addNames(ip: string, names: readonly string[]): Promise<void> {
    await appendFile(this.hostsFile, `${ip} ${names.join(' ')}\n`);
    // dnsmasq reads its hosts file again on SIGHUP.
    if (this.dns) process.kill(this.dns.pid, 'SIGHUP');
  }

  /** Forward `from` to `to` (host:port each): a Service's port to its workload's. */
  async forward(from: { host: string; port: number }, to: { host: string; port: number }, why: string): Promise<void> {
    const server = createServer((client) => {
      const upstream = connect(to.port, to.host);
      client.pipe(upstream).pipe(client);
      const close = () => {
        client.destroy();
        upstream.destroy();
      };
      client.once('error', close);
      upstream.once('error', close);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(from.port, from.host, () => resolve());
    });
    this.forwarders.push(server);
    this.say(`forward  ${from.host}:${from.port} → ${to.host}:${to.port}  (${why})`);
  }

  /**
   * dnsmasq on the address of the Service the rendered `resolver` names (kube-dns), answering
   * from the hosts file only: no upstream server, so nothing is asked outside the namespace.
   */
  async startDns(service: ServiceAddress, dir: string): Promise<void> {
    const dnsmasq = '/usr/sbin/dnsmasq';
    this.dns = startProcess('dnsmasq', dnsmasq, ['--keep-in-foreground', '--no-daemon', '--no-resolv', '--no-hosts', `--addn-hosts=${this.hostsFile}`, `--listen-address=${service.ip}`, '--bind-interfaces', '--port=53', '--user=root', '--pid-file=', '--log-facility=-'], {
      logFile: join(dir, 'dnsmasq.log'),
      stopTimeoutMs: 2_000,
    });
    await waitForReady(this.dns, 'listening on port 53', async () => this.dns?.tail().includes('started') ?? false, 10_000).catch((error: unknown) => {
      throw new Error(`${(error as Error).message}\n(dnsmasq comes from Debian's dnsmasq-base package: apt-get install -y dnsmasq-base)`, { cause: error });
    });
    this.say(`dns      dnsmasq on ${service.ip}:53 answers from the hosts file  (stand-in for kube-dns)`);
  }

  async close(): Promise<void> {
    for (const server of this.forwarders) await new Promise<void>((resolve) => server.close(() => resolve()));
    await this.dns?.stop();
  }
}
