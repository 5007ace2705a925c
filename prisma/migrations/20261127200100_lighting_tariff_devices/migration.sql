-- Lighting and tariff devices: a device type (SSLD, PSLD, LMD), the relays (outputs) of a switching device
-- with their types (LIGHT, TARIFF, TARIFF_REVERSED), the light measurement fields of an LMD and the LMD a
-- light follows. Written in the form `prisma migrate dev` produces.

-- CreateEnum
CREATE TYPE "DeviceType" AS ENUM ('SSLD', 'PSLD', 'LMD');

-- CreateEnum
CREATE TYPE "RelayType" AS ENUM ('LIGHT', 'TARIFF', 'TARIFF_REVERSED');

-- AlterTable
ALTER TABLE "Device" ADD COLUMN     "deviceType" "DeviceType" NOT NULL DEFAULT 'SSLD',
ADD COLUMN     "lightMeasurementDeviceId" TEXT;

-- CreateTable
CREATE TABLE "DeviceRelay" (
    "deviceId" TEXT NOT NULL,
    "index" INTEGER NOT NULL,
    "relayType" "RelayType" NOT NULL,
    "alias" TEXT,

    CONSTRAINT "DeviceRelay_pkey" PRIMARY KEY ("deviceId","index")
);

-- CreateTable
CREATE TABLE "LightMeasurementDevice" (
    "deviceId" TEXT NOT NULL,
    "code" TEXT,
    "color" TEXT,
    "digitalInput" INTEGER,
    "lastCommunicationTime" TIMESTAMP(3),

    CONSTRAINT "LightMeasurementDevice_pkey" PRIMARY KEY ("deviceId")
);

-- CreateIndex
CREATE INDEX "Device_lightMeasurementDeviceId_idx" ON "Device"("lightMeasurementDeviceId");

-- AddForeignKey
ALTER TABLE "Device" ADD CONSTRAINT "Device_lightMeasurementDeviceId_fkey" FOREIGN KEY ("lightMeasurementDeviceId") REFERENCES "Device"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "DeviceRelay" ADD CONSTRAINT "DeviceRelay_deviceId_fkey" FOREIGN KEY ("deviceId") REFERENCES "Device"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "LightMeasurementDevice" ADD CONSTRAINT "LightMeasurementDevice_deviceId_fkey" FOREIGN KEY ("deviceId") REFERENCES "Device"("id") ON DELETE CASCADE ON UPDATE CASCADE;
