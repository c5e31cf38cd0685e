// The static site's build: web/index.html and web/src → web/dist. Scripts and styles get a
// content hash in their names under /assets/ (the edge caches `-<hash>.js|css` for a year and
// everything else, index.html and config.json included, with no-cache).
// `npx vite -c web/vite.config.ts` serves the sources with live reload and sends the API,
// admin and sign-in routes to a running `npm run dev` (VITE_API_ORIGIN, default :8080).
import { dirname } from 'node:path';
import { defineConfig } from 'vite';

const apiOrigin = process.env.VITE_API_ORIGIN ?? 'http://127.0.0.1:8080';

export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  publicDir: 'public',
  // Cache of the config bundle and optimised dependencies: outside web/ so it is never uploaded.
  cacheDir: `${dirname(import.meta.dirname)}/node_modules/.vite-web`,
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsDir: 'assets',
    target: 'es2022',
    // Small icons stay inline; anything larger becomes a fingerprinted file.
    assetsInlineLimit: 4096,
    reportCompressedSize: true,
  },
  server: {
    proxy: Object.fromEntries(['/api', '/admin', '/dev-issuer', '/config.json'].map((path) => [path, apiOrigin])),
  },
});
