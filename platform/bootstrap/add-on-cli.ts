// The add-on commands the plan runs (`microk8s enable …`, `minikube addons enable …`), and running them.
// microk8s answers only members of its group (and root): a user outside it runs it through
// `sudo -n`, which never prompts; when that is refused too, the message says both ways in,
// plainly, instead of the output of a command the user did not type.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { ActionableError } from '../actionable-error.ts';
import type { Target } from './plan.ts';

export const addonCommands: Record<Target, readonly (readonly string[])[]> = {
  microk8s: [
    ['microk8s', 'enable', 'dns'],
    ['microk8s', 'enable', 'hostpath-storage'],
    ['microk8s', 'enable', 'registry'],
    ['microk8s', 'enable', 'metallb:10.64.140.43-10.64.140.49'],
  ],
  minikube: [
    ['minikube', 'addons', 'enable', 'registry'],
    ['minikube', 'addons', 'enable', 'storage-provisioner'],
  ],
};

/** The add-on commands of a target, each minikube command given the profile. */
export function addonCommandsOf(target: Target, minikubeProfile?: string): (readonly string[])[] {
  return addonCommands[target].map((command) => (command[0] === 'minikube' && minikubeProfile ? ['minikube', '-p', minikubeProfile, ...command.slice(1)] : command));
}

export type Microk8sAccess = 'direct' | 'sudo';

const joinGroup = 'sudo usermod -a -G microk8s $USER && newgrp microk8s';

/** Whether this process may run microk8s itself: root, or a member of the microk8s group. */
export function microk8sAccess(o: { uid?: number; groups?: readonly number[]; groupFile?: string } = {}): Microk8sAccess {
  const uid = o.uid ?? process.getuid?.() ?? 0;
  if (uid === 0) return 'direct';
  let text: string;
  try {
    text = readFileSync(o.groupFile ?? '/etc/group', 'utf8');
  } catch {
    return 'direct';
  }
  const line = text.split('\n').find((l) => l.startsWith('microk8s:'));
  // No such group: microk8s is not installed as a snap, or groups come from elsewhere; try it as is.
  if (!line) return 'direct';
  const gid = Number(line.split(':')[2]);
  return (o.groups ?? process.getgroups?.() ?? []).includes(gid) ? 'direct' : 'sudo';
}

/** The command line as run: microk8s through `sudo -n` for a user outside its group. */
export function invocation(command: readonly string[], access: Microk8sAccess): readonly string[] {
  return command[0] === 'microk8s' && access === 'sudo' ? ['sudo', '-n', ...command] : command;
}

/** Runs an add-on command; a failure says what ran, what it printed, and what to do. */
export function runAddonCommand(
  command: readonly string[],
  access: Microk8sAccess = command[0] === 'microk8s' ? microk8sAccess() : 'direct',
  env: NodeJS.ProcessEnv = process.env,
): Promise<void> {
  const line = invocation(command, access);
  return new Promise((resolve, reject) => {
    const [file, ...args] = line;
    const child = spawn(file!, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.once('error', (error) => {
      const tool = command[0]!;
      reject(new ActionableError(`${line.join(' ')}: ${error.message}: ${file} is not installed or not on PATH`, {
        next: tool === 'minikube' ? 'install minikube (https://minikube.sigs.k8s.io/docs/start/), or --skip-addons when the cluster has DNS, storage and a registry' : `install ${tool}, or --skip-addons when the cluster has DNS, storage and a registry`,
      }));
    });
    child.once('exit', (code) => {
      if (code === 0) return resolve();
      const text = output.trim().slice(-2000);
      if (line[0] === 'sudo' && /password is required|terminal is required|not in the sudoers|may not run sudo/i.test(text)) {
        return reject(new ActionableError(`microk8s needs its group or sudo: you are not in the microk8s group, and sudo asked for a password (${text.split('\n')[0]})`, {
          next: `${joinGroup}   (or run microk8s enable dns hostpath-storage registry yourself, then bootstrap with --skip-addons)`,
        }));
      }
      if (/insufficient permissions|permission denied/i.test(text) && command[0] === 'microk8s') {
        return reject(new ActionableError(`${line.join(' ')} was refused: ${text.split('\n')[0]}`, { next: joinGroup }));
      }
      reject(new Error(`${line.join(' ')} exited with ${code}: ${text}`));
    });
  });
}
