import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

// Hashed bundles go under /static/ (served with a year of caching), not Vite's default /assets/,
// which is a client route of the dashboard (the asset catalog).
export default defineConfig({
  plugins: [react()],
  base: "/",
  build: {
    outDir: "dist",
    assetsDir: "static",
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 800,
  },
  worker: { format: "es" },
});
