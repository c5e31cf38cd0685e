// How the add-on commands are run: microk8s directly for its group, through `sudo -n` for anyone
// else, and a refusal said plainly. The commands run are stand-ins on PATH, real processes.
import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../test/support/fixtures.ts';
import { ActionableError } from '../actionable-error.ts';
import { addonCommandsOf, invocation, microk8sAccess, runAddonCommand } from './add-on-cli.ts';
import { buildPlan } from './plan.ts';

let dir: Awaited<ReturnType<typeof tempDir>>;
beforeAll(async () => {
  dir = await tempDir('forecast-add-on-cli-');
  await writeFile(join(dir.path, 'group'), 'root:x:0:\nmicrok8s:x:998:someone\n');
  const stub = async (name: string, body: string) => {
    await writeFile(join(dir.path, name), `#!/bin/sh\n${body}\n`);
    await chmod(join(dir.path, name), 0o755);
  };
  await stub('sudo', 'echo "sudo: a password is required" >&2; exit 1');
  await stub('microk8s', 'echo "Insufficient permissions to access MicroK8s." >&2; exit 1');
});
afterAll(() => dir.remove());

const env = () => ({ ...process.env, PATH: `${dir.path}:/usr/bin:/bin` });

describe('microk8s access', () => {
  it('is direct for root and for members of the microk8s group, sudo for others', () => {
    const groupFile = join(dir.path, 'group');
    expect(microk8sAccess({ uid: 0, groupFile })).toBe('direct');
    expect(microk8sAccess({ uid: 1000, groups: [100, 998], groupFile })).toBe('direct');
    expect(microk8sAccess({ uid: 1000, groups: [100], groupFile })).toBe('sudo');
    expect(microk8sAccess({ uid: 1000, groups: [100], groupFile: join(dir.path, 'no-such-file') })).toBe('direct');
  });

  it('puts sudo -n in front of microk8s only', () => {
    expect(invocation(['microk8s', 'enable', 'dns'], 'sudo')).toEqual(['sudo', '-n', 'microk8s', 'enable', 'dns']);
    expect(invocation(['microk8s', 'enable', 'dns'], 'direct')).toEqual(['microk8s', 'enable', 'dns']);
    expect(invocation(['minikube', 'addons', 'enable', 'registry'], 'sudo')).toEqual(['minikube', 'addons', 'enable', 'registry']);
  });

  it('says plainly when sudo asks for a password, with the command that adds the user to the group', async () => {
    const error = await runAddonCommand(['microk8s', 'enable', 'dns'], 'sudo', env()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ActionableError);
    expect((error as ActionableError).message).toBe('microk8s needs its group or sudo: you are not in the microk8s group, and sudo asked for a password (sudo: a password is required)');
    expect((error as ActionableError).next).toMatch(/^sudo usermod -a -G microk8s \$USER && newgrp microk8s/);
  });

  it('says so when microk8s refuses the user, and when the command is not installed', async () => {
    const refused = await runAddonCommand(['microk8s', 'enable', 'dns'], 'direct', env()).catch((e: unknown) => e);
    expect((refused as ActionableError).message).toBe('microk8s enable dns was refused: Insufficient permissions to access MicroK8s.');
    const missing = await runAddonCommand(['minikube', 'addons', 'enable', 'registry'], 'direct', env()).catch((e: unknown) => e);
    expect((missing as ActionableError).message).toMatch(/^minikube addons enable registry: spawn minikube ENOENT: minikube is not installed or not on PATH$/);
    expect((missing as ActionableError).next).toMatch(/--skip-addons/);
  });
});

describe('minikube profile', () => {
  it('names the profile in every minikube command of the plan', () => {
    expect(addonCommandsOf('minikube', 'forecast')).toEqual([
      ['minikube', '-p', 'forecast', 'addons', 'enable', 'registry'],
      ['minikube', '-p', 'forecast', 'addons', 'enable', 'storage-provisioner'],
    ]);
    const plan = buildPlan({ target: 'minikube', profile: 'small', namespace: 'demo', minikubeProfile: 'forecast' });
    const commands = plan.steps.flatMap((s) => s.actions.flatMap((a) => (a.kind === 'cli' ? [a.command] : [])));
    expect(commands.length).toBeGreaterThan(0);
    for (const command of commands) expect(command.slice(0, 3)).toEqual(['minikube', '-p', 'forecast']);
    expect(addonCommandsOf('microk8s', 'forecast')[0]).toEqual(['microk8s', 'enable', 'dns']);
  });
});
