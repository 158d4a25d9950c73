// The consoles' build: one Vue application served under /console/, each console a lazily loaded
// route so that a phone downloads only its own; Element Plus components and their styles imported
// on demand; every asset pre-compressed (gzip and brotli) for the Go server to send as it is.
import { defineConfig } from 'vitest/config'
import vue from '@vitejs/plugin-vue'
import Components from 'unplugin-vue-components/vite'
import AutoImport from 'unplugin-auto-import/vite'
import { ElementPlusResolver } from 'unplugin-vue-components/resolvers'
import { compression } from 'vite-plugin-compression2'

export default defineConfig({
  base: '/console/',
  plugins: [
    vue(),
    AutoImport({ resolvers: [ElementPlusResolver({ importStyle: 'css' })], dts: 'src/auto-imports.d.ts' }),
    Components({ resolvers: [ElementPlusResolver({ importStyle: 'css' })], dts: 'src/components.d.ts' }),
    compression({ algorithms: ['gzip', 'brotliCompress'], threshold: 512, deleteOriginalAssets: false }),
  ],
  build: {
    outDir: 'dist/app',
    emptyOutDir: true,
    assetsDir: 'assets',
    target: 'es2020',
    chunkSizeWarningLimit: 800,
    reportCompressedSize: false,
    // dist/app/.vite/manifest.json: which chunks and styles each console loads first, read by
    // scripts/console-size.mjs (make bench-consoles).
    manifest: true,
    // Three pages: the consoles (index.html), the hall's display screen (screen.html, served at
    // /screen) and the citizens' report form (report.html, at /report and /track), sharing chunks
    // (ECharts, Leaflet).
    rollupOptions: { input: { index: 'index.html', screen: 'screen.html', report: 'report.html' } },
  },
  test: {
    environment: 'jsdom',
    include: ['src/**/*.test.ts'],
    // Components under test import Element Plus with its CSS (the resolver's on-demand styles):
    // Vite, not Node, must load that package so that its CSS imports are handled.
    server: { deps: { inline: ['element-plus'] } },
  },
})
