import { defineConfig } from 'drizzle-kit';

// One migrations folder for both drivers (PostgreSQL server and PGlite).
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/store/schema.ts',
  out: './src/store/migrations',
});
