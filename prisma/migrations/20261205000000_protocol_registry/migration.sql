-- The protocols a device may speak are listed once, in the protocol registry (core/protocols.ts), and the API
-- validates them there: the column becomes text, so adding a protocol needs no migration.

-- AlterTable
ALTER TABLE "Device" ALTER COLUMN "protocol" SET DATA TYPE TEXT USING "protocol"::TEXT;

-- DropEnum
DROP TYPE "DeviceProtocol";
