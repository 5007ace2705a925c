// Prisma CLI configuration. Only `prisma generate` is used (see scripts/prisma-generate.cjs); the URL is read
// for completeness where a schema engine exists and someone runs Prisma's own migration commands.
import { defineConfig } from 'prisma/config';

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? 'postgresql://localhost:5432/osgp' },
});
