#!/usr/bin/env node
// npm run test:platform [-- <vitest arguments>]
// Runs the platform suite inside a network and mount namespace of its own (unshare, as root):
// only loopback, brought up; a hosts file of the suite's bind-mounted over /etc/hosts, where the
// harness writes the cluster's names as it gives each Service an address; /etc/resolv.conf
// pointing at the dnsmasq the harness starts on kube-dns's address (the first it gives). Nothing
// the suite starts, Chromium included, can reach or be reached from outside the namespace, and
// the machine's own /etc/hosts is never touched.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hostsFileVariable } from './cluster-network.ts';

if (process.getuid?.() !== 0) {
  console.error('npm run test:platform needs root: it creates network and mount namespaces (unshare) and runs PostgreSQL as the postgres user. Run it as root, as CI does.');
  process.exit(1);
}
const root = join(import.meta.dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'forecast-platform-names-'));
const hosts = join(dir, 'hosts');
const resolv = join(dir, 'resolv.conf');
writeFileSync(hosts, '127.0.0.1 localhost\n::1 localhost ip6-localhost\n');
// kube-dns is the first Service the harness gives an address to (cluster-network.ts).
writeFileSync(resolv, 'nameserver 127.0.1.1\noptions timeout:1 attempts:1\n');
const inside = 'set -e; ip link set lo up; mount --bind "$1" /etc/hosts; mount --bind "$2" /etc/resolv.conf; shift 2; exec "$@"';
const vitest = join(root, 'node_modules', 'vitest', 'vitest.mjs');
const result = spawnSync(
  'unshare',
  ['--net', '--mount', '--propagation', 'private', '--', 'sh', '-c', inside, 'sh', hosts, resolv, process.execPath, vitest, 'run', '-c', 'test/platform/vitest.config.ts', ...process.argv.slice(2)],
  { cwd: root, stdio: 'inherit', env: { ...process.env, [hostsFileVariable]: hosts } },
);
rmSync(dir, { recursive: true, force: true });
if (result.error) {
  console.error(`could not run unshare (util-linux): ${result.error.message}`);
  process.exit(1);
}
process.exit(result.status ?? 1);
