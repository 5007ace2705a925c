-- Smart metering key replacement: each meter's master key (key encrypting key of global_key_transfer), sealed
-- like its other keys. Written in the form `prisma migrate dev` produces.

-- AlterTable
ALTER TABLE "DlmsMeter" ADD COLUMN     "masterKeySealed" TEXT;
