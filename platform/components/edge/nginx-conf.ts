// The edge's nginx.conf, rendered from the app definition's `routes` (the same rules
// platform/local/edge.ts applies for `npm run dev`), plus the paths the sign-in needs
// (oauth2-proxy's callback and Keycloak's browser pages). It must never carry a route list of its
// own: a route exists here because the app definition declares it.
//
// Upstream names are resolved when a request arrives, not when nginx starts, so the edge starts
// before the app's Knative services exist. nginx's own resolver applies no search domains:
// every upstream is a fully qualified name under the cluster domain.
import type { RouteTarget } from '../../app-definition.ts';
import { siteCacheControl } from '../../site.ts';
import type { PlatformContext } from '../context.ts';

export interface EdgeOptions {
  /**
   * DNS server nginx resolves upstream names with, per request. The name is looked up once at
   * start by the pod's own resolver; microk8s and minikube both call their CoreDNS `kube-dns`.
   * @default 'kube-dns.kube-system.svc.cluster.local'
   */
  resolver?: string;
  /** @default 'cluster.local' */
  clusterDomain?: string;
}

/** Paths a bucket route answers with index.html: `/`, and any path whose last segment has no extension. */
export const siteFallbackPattern = '^(?:.*/)?[^/.]*$';

/**
 * The request paths `siteCacheControl` marks immutable (Vite's hashed files under assets/), as
 * a PCRE nginx matches on the path. The components test checks it agrees with siteCacheControl.
 */
export const hashedAssetPathPattern = '^/assets/[^/]+-[A-Za-z0-9_-]{8,}\\.[a-z0-9]+$';

/**
 * Where the edge's pod has what nginx needs: its pid and temporary files under `runDir` (the one
 * writable directory, an emptyDir), this config under `configDir` (the ConfigMap), the site and
 * routes on `httpPort`, readiness on `healthPort`.
 */
export const edgeLayout = { runDir: '/tmp/', configDir: '/etc/nginx/edge', httpPort: 8080, healthPort: 8081 } as const;
const { runDir, configDir, httpPort, healthPort } = edgeLayout;

/** Paths the platform itself serves through the edge; an app route may not take them. */
const signInPaths = { oauth2Proxy: ['/oauth2/'], keycloak: ['/realms/', '/resources/'] } as const;

const safePrefix = /^\/(?:[A-Za-z0-9._~-]+\/)*$/;
const dnsLabel = /^[a-z0-9](?:[-a-z0-9]*[a-z0-9])?$/;

interface Upstream {
  /** host[:port], a fully qualified name. */
  authority: string;
  /** The Host header the upstream must see. */
  host: 'edge' | 'upstream';
  /** Its answers set the sign-in's cookies: they get the larger header buffers below. @default false */
  setsSessionCookies?: boolean;
}

/**
 * Header sizes of the sign-in, in KB. oauth2-proxy keeps the whole session in cookies (Keycloak's
 * access, refresh and ID tokens, encrypted) and splits it into parts of at most 4000 bytes
 * (`_oauth2_proxy_0`, `_1`, …). For the realm platform/components/keycloak/realm.ts renders, the session
 * measures just under 4000 bytes, so the callback's answer has a little over 4 KB of headers:
 * more than nginx reads of an upstream's headers by default (one memory page, 4 KB here), and
 * the edge answered 502 "upstream sent too big header" right after sign-in. Every realm role a
 * user holds adds about 24 bytes to the session (240 roles: three parts, 9.5 KB). 32 KB holds
 * seven parts and the other headers. The browser sends the parts back as one Cookie line, which
 * nginx refuses with 400 past one large header buffer (8 KB by default), so that buffer is 32 KB
 * as well. nginx wants the busy size between one buffer and all buffers but one, hence
 * proxy_buffers with it.
 */
const sessionHeaderKb = 32;

/** nginx.conf for the edge: complete on its own (no includes), so `nginx -t` checks what runs. */
export function renderEdgeConfig(ctx: Pick<PlatformContext, 'app' | 'namespace'>, options: EdgeOptions = {}): string {
  const domain = options.clusterDomain ?? 'cluster.local';
  const service = (name: string, port?: number) => `${name}.${ctx.namespace}.svc.${domain}${port ? `:${port}` : ''}`;
  const oauth2Proxy: Upstream = { authority: service('oauth2-proxy', 4180), host: 'edge', setsSessionCookies: true };
  const keycloak: Upstream = { authority: service('keycloak', 8080), host: 'edge', setsSessionCookies: true };
  const minio = service('minio', 9000);

  const routes = Object.entries<RouteTarget<string>>(ctx.app.routes).sort(([a], [b]) => b.length - a.length);
  const taken = new Set<string>();
  const locations: string[] = [];
  for (const [prefix, target] of routes) {
    if (!safePrefix.test(prefix)) throw new Error(`route "${prefix}": an edge route is a path ending in "/" made of letters, digits and ._~- (e.g. "/api/"); fix it in platform/app.ts`);
    taken.add(prefix);
    if ('bucket' in target) {
      if (!ctx.app.buckets[target.bucket].anonymousRead) throw new Error(`route "${prefix}" serves the "${target.bucket}" bucket, which is not anonymous-readable; set anonymousRead in platform/app.ts or route elsewhere`);
      locations.push(bucketLocation(prefix, minio, target.bucket));
    } else if (target.auth === 'admin') {
      locations.push(proxyLocation(prefix, oauth2Proxy, `${target.function}, signed in through oauth2-proxy`));
    } else {
      if (!dnsLabel.test(target.function)) throw new Error(`route "${prefix}": function name "${target.function}" is not a DNS label, so it cannot be a Knative service`);
      locations.push(proxyLocation(prefix, { authority: service(target.function), host: 'upstream' }, `${target.function} (Knative, through Kourier's internal gateway)`));
    }
  }
  const hasAdmin = routes.some(([, t]) => 'function' in t && t.auth === 'admin');
  const platformPaths: [string, Upstream, string][] = [
    ...(hasAdmin ? signInPaths.oauth2Proxy.map((p): [string, Upstream, string] => [p, oauth2Proxy, 'oauth2-proxy: sign-in and callback']) : []),
    ...signInPaths.keycloak.map((p): [string, Upstream, string] => [p, keycloak, 'Keycloak: the issuer is the public origin']),
  ];
  for (const [prefix, upstream, why] of platformPaths) {
    if (taken.has(prefix)) throw new Error(`route "${prefix}" is served by the platform (${why}); choose another prefix in platform/app.ts`);
    locations.push(proxyLocation(prefix, upstream, why));
  }
  if (routes.some(([, t]) => 'bucket' in t)) {
    locations.push(`    # a missing object: a plain 404, not MinIO's XML error
    location @not_found {
      default_type text/plain;
      return 404 "not found\\n";
    }`);
  }

  const immutable = siteCacheControl('assets/index-0123abcd.js');
  const revalidate = siteCacheControl('index.html');
  return `# Rendered from the app definition (platform/app.ts) by platform/components/edge/nginx-conf.ts. Do not edit.
# Run as: nginx -p ${runDir} -e stderr -c ${configDir}/nginx.conf
worker_processes 1;
daemon off;
pid nginx.pid;
error_log stderr warn;

events {
  worker_connections 1024;
}

http {
  log_format edge escape=json '{"time":"$time_iso8601","method":"$request_method","path":"$uri","status":$status,"bytes":$body_bytes_sent,"seconds":$request_time,"upstream":"$upstream_addr"}';
  access_log /dev/stdout edge;
  server_tokens off;
  default_type application/octet-stream;

  # Under the prefix (${runDir}, an emptyDir): the root filesystem is read-only.
  client_body_temp_path client_body;
  proxy_temp_path proxy;
  fastcgi_temp_path fastcgi;
  uwsgi_temp_path uwsgi;
  scgi_temp_path scgi;

  resolver ${options.resolver ?? 'kube-dns.kube-system.svc.cluster.local'} valid=10s ipv6=off;
  resolver_timeout 5s;

  # The site's Cache-Control, as siteCacheControl (platform/site.ts) sets it: hashed assets
  # never change, everything else is revalidated.
  map $site_path $site_cache_control {
    default "${revalidate}";
    "~${hashedAssetPathPattern}" "${immutable}";
  }

  server {
    listen ${httpPort};
    server_name _;
    # Redirects keep the client's own origin (the Service answers on 80, nginx listens on ${httpPort}).
    absolute_redirect off;
    # The session's cookie parts come back from the browser as one Cookie line (sessionHeaderKb).
    large_client_header_buffers 4 ${sessionHeaderKb}k;

${locations.join('\n\n')}
  }

  server {
    listen ${healthPort};
    access_log off;
    location = /ready {
      default_type text/plain;
      return 200 "ready\\n";
    }
  }
}
`;
}

function forwardedHeaders(indent: string): string {
  return [
    'proxy_http_version 1.1;',
    'proxy_set_header Connection "";',
    'proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;',
    'proxy_set_header X-Forwarded-Proto $scheme;',
    'proxy_set_header X-Forwarded-Host $host;',
  ]
    .map((line) => indent + line)
    .join('\n');
}

/** A function route, or a platform path: the request goes on unchanged (path, query, body). */
function proxyLocation(prefix: string, upstream: Upstream, comment: string): string {
  const i = '      ';
  return `    # ${comment}
    location ${prefix} {
${i}set $upstream "${upstream.authority}";
${i}proxy_pass http://$upstream;
${i}proxy_set_header Host ${upstream.host === 'upstream' ? '$upstream' : '$host'};
${forwardedHeaders(i)}${upstream.setsSessionCookies ? `\n${sessionBuffers(i)}` : ''}
    }`;
}

/** Room for an answer whose headers set the session's cookies (sessionHeaderKb). */
function sessionBuffers(indent: string): string {
  return [`proxy_buffer_size ${sessionHeaderKb}k;`, `proxy_buffers 4 ${sessionHeaderKb}k;`, `proxy_busy_buffers_size ${2 * sessionHeaderKb}k;`].map((line) => indent + line).join('\n');
}

/**
 * A bucket route: objects from MinIO's anonymous-readable bucket, by path. index.html for "/"
 * and for paths without an extension, so the site's own paths (/location/28079) load it. The
 * query string is dropped (it would reach S3 as a sub-resource), and a missing object is a
 * plain 404 rather than MinIO's XML error.
 */
function bucketLocation(prefix: string, minio: string, bucket: string): string {
  const i = '      ';
  return `    # the "${bucket}" bucket in MinIO
    location ${prefix} {
${i}if ($request_method !~ ^(?:GET|HEAD)$) {
${i}  return 405;
${i}}
${i}set $site_path $uri;
${i}set $upstream "${minio}";
${i}rewrite "${siteFallbackPattern}" /${bucket}/index.html? break;
${i}rewrite ^ /${bucket}$uri? break;
${i}proxy_pass http://$upstream;
${i}proxy_set_header Host $upstream;
${i}proxy_set_header Authorization "";
${forwardedHeaders(i)}
${i}proxy_hide_header Cache-Control;
${i}proxy_hide_header Set-Cookie;
${i}proxy_hide_header x-amz-request-id;
${i}proxy_hide_header x-amz-id-2;
${i}add_header Cache-Control $site_cache_control;
${i}add_header X-Content-Type-Options nosniff;
${i}proxy_intercept_errors on;
${i}error_page 403 404 =404 @not_found;
    }`;
}
