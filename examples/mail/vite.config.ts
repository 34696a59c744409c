import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { precacheServiceWorker } from './vite/precache.js';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  plugins: [precacheServiceWorker(here('src/serviceWorker/sw.ts'), here('public'))],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true },
  // `npm run dev` here, with `npm start` running at the root: the page comes from Vite, sync from the relay.
  server: { proxy: { '/sync': { target: 'ws://127.0.0.1:8080', ws: true } } },
});
