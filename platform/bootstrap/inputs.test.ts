// The admin password reaches the person who ran the first bootstrap, and no CI log; the app
// goes to the cluster in the parts Knative needs, in order.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { app, type FunctionName } from '../app.ts';
import { brokerName, defaultBacking, renderApp } from '../render/app-resources.ts';
import { adminPasswordCommand, adminPasswordNotice, appPartOf } from './inputs.ts';

const password = 'Zq7-example-admin-password';

describe('the admin password', () => {
  it('is shown once on a terminal, and in CI only how to read it', () => {
    expect(adminPasswordNotice('knative-forecast', password, false)).toContain(password);
    const ci = adminPasswordNotice('knative-forecast', password, true);
    expect(ci).not.toContain(password);
    expect(ci).toContain(adminPasswordCommand('knative-forecast'));
    expect(adminPasswordCommand('knative-forecast')).toBe("kubectl -n knative-forecast get secret bootstrap-secrets -o jsonpath='{.data.secrets\\.json}' | base64 -d | jq -r .adminPassword");
  });

  it('goes to the smoke test by environment, masked, never on a command line, in the cluster workflow', async () => {
    const workflow = parse(await readFile(join(import.meta.dirname, '..', '..', '.github', 'workflows', 'cluster.yml'), 'utf8')) as { jobs: Record<string, { steps: { run?: string }[] }> };
    const scripts = Object.values(workflow.jobs).flatMap((job) => job.steps.map((step) => step.run ?? ''));
    const smoke = scripts.find((run) => run.includes('npm run smoke'));
    expect(smoke).toBeDefined();
    expect(smoke).not.toContain('--password');
    expect(smoke).toContain('echo "::add-mask::${ADMIN_PASSWORD}"');
    expect(smoke).toContain('export ADMIN_PASSWORD');
    for (const run of scripts) expect(run).not.toMatch(/--password\b/);
  });
});

describe('the parts of the app', () => {
  const objects = renderApp(app, {
    images: Object.fromEntries(Object.keys(app.functions).map((n) => [n, `localhost:32000/knative-forecast/${n}@sha256:${'a'.repeat(64)}`])) as Record<FunctionName, string>,
    broker: 'kafka',
    publicUrl: 'http://forecast.127.0.0.1.sslip.io',
    backing: defaultBacking(app),
  });
  const partOf = (kind: string, name: string) => appPartOf(objects.find((o) => o.kind === kind && o.metadata.name === name)!, objects);

  it('puts the Broker’s dead-letter sink before the Broker, and every function a SinkBinding names after it', () => {
    expect(partOf('Service', app.delivery.deadLetterSink)).toBe('functions');
    expect(partOf('Broker', brokerName)).toBe('broker');
    const senders = (Object.keys(app.functions) as FunctionName[]).filter((name) => app.functions[name].uses.includes('eventSink'));
    expect(senders).toEqual(expect.arrayContaining(['reload-forecast', 'minio-events']));
    for (const name of senders) {
      expect(partOf('SinkBinding', `${name}-to-broker`)).toBe('sink-bindings');
      expect(partOf('Service', name)).toBe('event-senders');
    }
    for (const o of objects.filter((o) => o.kind === 'Trigger' || o.kind === 'PingSource')) expect(appPartOf(o, objects)).toBe('event-senders');
  });
});
