// The admin password reaches the person who ran the first bootstrap, and no CI log.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { adminPasswordCommand, adminPasswordNotice } from './inputs.ts';

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
