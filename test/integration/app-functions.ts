// The app's functions as the cluster runs them, on loopback: each served by the real HTTP
// binding (serveFunction) with services built by cluster-services.ts from environment
// variables (the settings the app definition derives plus the servers' URLs and credentials),
// restricted to what its app-definition entry declares.
import { join } from 'node:path';
import type { AnyFunctionDefinition } from '../../functions/lib/runtime/function-definition.ts';
import type { Clock } from '../../functions/lib/runtime/clock.ts';
import { clusterServices, type ClusterServices } from '../../functions/lib/runtime/cluster-services.ts';
import { createLogger, type Logger, type LogLevel } from '../../functions/lib/runtime/log.ts';
import { serveFunction, type RunningFunction } from '../../functions/lib/runtime/serve.ts';
import { restrictServices } from '../../functions/lib/runtime/services.ts';
import { app, type FunctionName } from '../../platform/app.ts';
import { functionEnvironment } from '../../platform/function-environment.ts';

const repoRoot = join(import.meta.dirname, '../..');

export interface ServedFunction extends RunningFunction {
  env: Record<string, string>;
  services: ClusterServices;
}

export interface ServeAppFunctionOptions {
  /** @default a free port */
  port?: number;
  /** @default errors only, at LOG_LEVEL */
  log?: Logger;
  /** What the function takes as the current time. @default the system clock, as in its container */
  now?: Clock;
}

export async function serveAppFunction(name: FunctionName, env: Record<string, string>, options: ServeAppFunctionOptions = {}): Promise<ServedFunction> {
  const module = (await import(join(repoRoot, app.functions[name].handler))) as { default: AnyFunctionDefinition };
  const fullEnv = { ...functionEnvironment(app, name), ...env };
  // Refused requests are what these suites provoke: their warnings would bury real errors.
  const log = (options.log ?? createLogger({}, { level: (process.env.LOG_LEVEL as LogLevel | undefined) ?? 'error' })).child({ function: name });
  const services = clusterServices(fullEnv, log, options.now);
  try {
    const running = await serveFunction(module.default, {
      name,
      services: restrictServices(services, name, app.functions[name].uses),
      log,
      ...(options.port === undefined ? {} : { port: options.port }),
    });
    return {
      ...running,
      env: fullEnv,
      services,
      async close() {
        await running.close();
        await services.close();
      },
    };
  } catch (error) {
    await services.close();
    throw error;
  }
}
