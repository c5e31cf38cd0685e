import { describe, expect, it } from 'vitest';
import { app } from '../app.ts';
import { generateSecrets } from '../components/context.ts';
import { clusterSettings, defaultRegistries } from './cluster-settings.ts';

const base = { app, namespace: app.name, profile: 'small' as const, secrets: generateSecrets(), nodeAddress: '192.168.49.2', registry: 'localhost:5000' };

describe('clusterSettings', () => {
  it('puts the site under the node\'s sslip.io name by default', () => {
    const s = clusterSettings(base);
    expect([s.domain, s.publicUrl]).toEqual(['192.168.49.2.sslip.io', 'http://forecast.192.168.49.2.sslip.io:30080']);
  });
  it('takes a domain, so the address does not follow the node, and a public URL as given (TLS in front)', () => {
    expect(clusterSettings({ ...base, domain: 'forecast.example.com' })).toMatchObject({ domain: 'forecast.example.com', publicUrl: 'http://forecast.forecast.example.com:30080' });
    expect(clusterSettings({ ...base, domain: 'example.com', publicUrl: 'https://forecast.example.com/' })).toMatchObject({ domain: 'example.com', publicUrl: 'https://forecast.example.com' });
  });
  it('keeps pull credentials for the app\'s imagePullSecret', () => {
    const pullCredentials = { registry: 'registry.example.com', username: 'robot', password: 'x' };
    expect(clusterSettings({ ...base, pullCredentials }).pullCredentials).toEqual(pullCredentials);
    expect(clusterSettings(base).pullCredentials).toBeUndefined();
  });
  it('pushes to minikube\'s registry at the node and pulls from localhost; microk8s at localhost both ways', () => {
    expect(defaultRegistries('minikube', '192.168.49.2')).toEqual({ push: '192.168.49.2:5000', pull: 'localhost:5000' });
    expect(defaultRegistries('microk8s', '10.0.0.5')).toEqual({ push: 'localhost:32000', pull: 'localhost:32000' });
  });
});
