// A function's process in its container: serve one function definition on $PORT (Knative sets
// it, default 8080) with services from the environment, and stop cleanly on SIGTERM so Knative
// can scale to zero without cutting requests short. The entry esbuild generates for the image
// (platform/images/function-bundle.ts) passes the factories of the services the function
// declares, and no others: this module must not import any of them itself.
import { systemClock } from './clock.ts';
import { wireClusterServices, type ClusterServiceFactories } from './cluster/backing.ts';
import type { AnyFunctionDefinition } from './function-definition.ts';
import { createLogger } from './log.ts';
import { serveFunction } from './serve.ts';
import { startTracing } from './tracing.ts';

export async function runFunction(name: string, definition: AnyFunctionDefinition, factories: ClusterServiceFactories): Promise<void> {
  const log = createLogger({ function: name });
  const stopTracing = await startTracing(process.env, name);
  const services = wireClusterServices(process.env, log, systemClock, factories);
  const running = await serveFunction(definition, { name, services, log, port: Number(process.env.PORT ?? 8080), host: '0.0.0.0' });
  log.info('ready', { url: running.url });
  process.once('SIGTERM', () => {
    log.info('stopping');
    void running
      .close()
      .then(() => services.close())
      .then(() => stopTracing())
      .finally(() => process.exit(0));
  });
}
