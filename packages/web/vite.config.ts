import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/** The app is served by the Flowstate server at `/`; `npm run dev -w @flowstate/web` proxies the API. */
export default defineConfig({
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true, chunkSizeWarningLimit: 2000 },
  server: {
    proxy: {
      '/api': process.env.FLOWSTATE_URL ?? 'http://127.0.0.1:3000',
      '/hooks': process.env.FLOWSTATE_URL ?? 'http://127.0.0.1:3000',
    },
  },
});
