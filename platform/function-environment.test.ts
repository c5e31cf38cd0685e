import { describe, expect, it } from 'vitest';
import { app, type FunctionName } from './app.ts';
import { functionEnvironment } from './function-environment.ts';

describe('functionEnvironment', () => {
  it('tells each function that keeps latest forecasts which engine the app definition names, and no other function', () => {
    for (const name of Object.keys(app.functions) as FunctionName[]) {
      const env = functionEnvironment(app, name);
      if (app.functions[name].uses.includes('latestStore')) expect(env.LATEST_STORE, name).toBe(app.databases.latest.engine);
      else expect(env, name).not.toHaveProperty('LATEST_STORE');
    }
    expect(Object.values(app.functions).some((spec) => spec.uses.includes('latestStore'))).toBe(true);
  });
});
