// How a registry's answers read: the challenge of a 401, the error body of the distribution spec,
// and the chain of causes of a request that got no answer, for RegistryError's messages.

/** The key="value" pairs of a `Bearer …` WWW-Authenticate header; undefined for other schemes. */
export function parseBearerChallenge(header: string): Record<string, string> | undefined {
  const match = /^\s*Bearer\s+(.*)$/i.exec(header);
  if (!match?.[1]) return undefined;
  const params: Record<string, string> = {};
  for (const pair of match[1].matchAll(/([A-Za-z_]+)="([^"]*)"/g)) {
    if (pair[1] && pair[2] !== undefined) params[pair[1].toLowerCase()] = pair[2];
  }
  return params;
}

/** The spec's error body `{errors:[{code,message}]}` as `CODE: message; …`. */
export function registryErrorCodes(text: string): string | undefined {
  try {
    const body = JSON.parse(text) as { errors?: { code?: string; message?: string }[] };
    return body.errors?.map((e) => `${e.code ?? '?'}: ${e.message ?? ''}`).join('; ') || undefined;
  } catch {
    return undefined;
  }
}

export function describeCause(error: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = error; e instanceof Error && parts.length < 4; e = e.cause) {
    const code = (e as NodeJS.ErrnoException).code;
    parts.push(code ? `${code} ${e.message}` : e.message);
  }
  return parts.join(': ') || String(error);
}
