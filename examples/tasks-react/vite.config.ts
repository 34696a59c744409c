import { defineConfig } from 'vite';

// Vite compiles the JSX itself (React's automatic runtime); no plugin needed for a build.
export default defineConfig({
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true },
  // `npm run dev` here, with `npm run start:tasks` running at the root: the page from Vite, sync from the relay.
  server: { proxy: { '/sync': { target: 'ws://127.0.0.1:8081', ws: true } } },
});
