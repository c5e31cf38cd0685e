// SIMULATION ONLY: the part of Knative's SinkBinding that acts when a subject is created or
// changed. Knative's webhook (knative/pkg psbinding) takes K_SINK out of the subject's containers
// and puts it back with the sink's address when the sink resolves, and leaves it out when it does
// not (a Broker not Ready yet). A function created before its binding, or before the Broker is
// Ready, therefore starts without K_SINK. Here an HTTPS admission webhook on loopback does the same
// for Knative Services, registered with the API server by its own MutatingWebhookConfiguration
// (failurePolicy Ignore: the API server goes on if this process is gone).
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { ApiException, type AdmissionregistrationV1Api, type V1MutatingWebhookConfiguration } from '@kubernetes/client-node';
import type { CustomObject } from './kinds.ts';

export const sinkBindingWebhookName = 'sinkbindings.simulated-cluster.test';

type Container = { name?: string; env?: { name: string; value?: string }[] };

/** The subject's containers with K_SINK set to `sink`, or taken out when the sink does not resolve. */
export function withSink(containers: readonly Container[], sink: string | undefined): Container[] {
  return containers.map((c) => {
    const env = (c.env ?? []).filter((e) => e.name !== 'K_SINK');
    return { ...c, env: sink === undefined ? env : [...env, { name: 'K_SINK', value: sink }] };
  });
}

export interface SinkBindingWebhook {
  stop(): Promise<void>;
}

/**
 * Serves the webhook on 127.0.0.1 with the API server's own serving certificate (valid for that
 * address, signed by the cluster's CA) and registers it. `sinkFor` says where the bindings of a
 * Service send: the resolved sink, undefined when a binding's sink does not resolve, or null when
 * no binding names the Service.
 */
export async function startSinkBindingWebhook(options: {
  admission: AdmissionregistrationV1Api;
  pkiDir: string;
  sinkFor: (service: CustomObject) => Promise<string | undefined | null>;
  onError: (what: string, error: unknown) => void;
}): Promise<SinkBindingWebhook> {
  const server: Server = createServer({ cert: readFileSync(`${options.pkiDir}/apiserver.crt`), key: readFileSync(`${options.pkiDir}/apiserver.key`) }, (req, res) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString()));
    req.on('end', () => {
      void (async () => {
        const review = JSON.parse(text) as { request: { uid: string; object: CustomObject & { spec?: { template?: { spec?: { containers?: Container[] } } } } } };
        const service = review.request.object;
        const containers = service.spec?.template?.spec?.containers ?? [];
        const sink = await options.sinkFor(service);
        const response: Record<string, unknown> = { uid: review.request.uid, allowed: true };
        if (sink !== null && containers.length > 0) {
          const patch = [{ op: 'replace', path: '/spec/template/spec/containers', value: withSink(containers, sink) }];
          Object.assign(response, { patchType: 'JSONPatch', patch: Buffer.from(JSON.stringify(patch)).toString('base64') });
        }
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response }));
      })().catch((error: unknown) => {
        options.onError('sinkbinding webhook', error);
        res.writeHead(500).end();
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const configuration: V1MutatingWebhookConfiguration = {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'MutatingWebhookConfiguration',
    metadata: { name: sinkBindingWebhookName, labels: { 'simulated-cluster/simulated-by': 'simulated-controllers' } },
    webhooks: [{
      name: sinkBindingWebhookName,
      admissionReviewVersions: ['v1'],
      sideEffects: 'None',
      failurePolicy: 'Ignore',
      timeoutSeconds: 5,
      clientConfig: { url: `https://127.0.0.1:${(server.address() as AddressInfo).port}/sinkbindings`, caBundle: readFileSync(`${options.pkiDir}/ca.crt`).toString('base64') },
      rules: [{ apiGroups: ['serving.knative.dev'], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['services'], scope: 'Namespaced' }],
    }],
  };
  // A restarted process serves on another port: the configuration follows it.
  await options.admission.deleteMutatingWebhookConfiguration({ name: sinkBindingWebhookName }).catch((error: unknown) => {
    if (!(error instanceof ApiException && error.code === 404)) throw error;
  });
  await options.admission.createMutatingWebhookConfiguration({ body: configuration });
  return { stop: () => new Promise((resolve) => server.close(() => resolve())) };
}
