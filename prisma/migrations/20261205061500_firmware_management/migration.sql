-- Firmware management (issue 12): manufacturers, device models, the firmware catalogue, the database firmware
-- store and each device's firmware history. Written in the form `prisma migrate dev` produces.

-- CreateEnum
CREATE TYPE "FirmwareReportSource" AS ENUM ('REGISTRATION', 'GET_FIRMWARE_VERSION', 'UPDATE', 'SAVE_CURRENT_DEVICE_FIRMWARE');

-- AlterTable
ALTER TABLE "Device" ADD COLUMN "deviceModelId" TEXT;

-- CreateTable
CREATE TABLE "Manufacturer" (
    "id" TEXT NOT NULL,
    "code" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "usePrefix" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Manufacturer_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "DeviceModel" (
    "id" TEXT NOT NULL,
    "manufacturerId" TEXT NOT NULL,
    "modelCode" TEXT NOT NULL,
    "description" TEXT,
    "metered" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "DeviceModel_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Firmware" (
    "id" TEXT NOT NULL,
    "identification" TEXT NOT NULL,
    "filename" TEXT,
    "description" TEXT,
    "version" TEXT NOT NULL,
    "moduleVersions" JSONB,
    "pushToNewDevices" BOOLEAN NOT NULL DEFAULT false,
    "active" BOOLEAN NOT NULL DEFAULT true,
    "sha256" TEXT NOT NULL,
    "sizeBytes" INTEGER NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Firmware_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "FirmwareDeviceModel" (
    "firmwareId" TEXT NOT NULL,
    "deviceModelId" TEXT NOT NULL,

    CONSTRAINT "FirmwareDeviceModel_pkey" PRIMARY KEY ("firmwareId","deviceModelId")
);

-- CreateTable
CREATE TABLE "FirmwareImage" (
    "sha256" TEXT NOT NULL,
    "content" BYTEA NOT NULL,
    "sizeBytes" INTEGER NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "FirmwareImage_pkey" PRIMARY KEY ("sha256")
);

-- CreateTable
CREATE TABLE "DeviceFirmwareHistory" (
    "id" BIGSERIAL NOT NULL,
    "deviceId" TEXT NOT NULL,
    "version" TEXT NOT NULL,
    "firmwareId" TEXT,
    "source" "FirmwareReportSource" NOT NULL,
    "installedBy" TEXT,
    "reportedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "DeviceFirmwareHistory_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "Device_deviceModelId_idx" ON "Device"("deviceModelId");

-- CreateIndex
CREATE UNIQUE INDEX "Manufacturer_code_key" ON "Manufacturer"("code");

-- CreateIndex
CREATE UNIQUE INDEX "DeviceModel_manufacturerId_modelCode_key" ON "DeviceModel"("manufacturerId", "modelCode");

-- CreateIndex
CREATE UNIQUE INDEX "Firmware_identification_key" ON "Firmware"("identification");

-- CreateIndex
CREATE INDEX "Firmware_sha256_idx" ON "Firmware"("sha256");

-- CreateIndex
CREATE INDEX "FirmwareDeviceModel_deviceModelId_idx" ON "FirmwareDeviceModel"("deviceModelId");

-- CreateIndex
CREATE INDEX "DeviceFirmwareHistory_deviceId_reportedAt_idx" ON "DeviceFirmwareHistory"("deviceId", "reportedAt");

-- AddForeignKey
ALTER TABLE "Device" ADD CONSTRAINT "Device_deviceModelId_fkey" FOREIGN KEY ("deviceModelId") REFERENCES "DeviceModel"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "DeviceModel" ADD CONSTRAINT "DeviceModel_manufacturerId_fkey" FOREIGN KEY ("manufacturerId") REFERENCES "Manufacturer"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "FirmwareDeviceModel" ADD CONSTRAINT "FirmwareDeviceModel_firmwareId_fkey" FOREIGN KEY ("firmwareId") REFERENCES "Firmware"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "FirmwareDeviceModel" ADD CONSTRAINT "FirmwareDeviceModel_deviceModelId_fkey" FOREIGN KEY ("deviceModelId") REFERENCES "DeviceModel"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "DeviceFirmwareHistory" ADD CONSTRAINT "DeviceFirmwareHistory_deviceId_fkey" FOREIGN KEY ("deviceId") REFERENCES "Device"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AlterEnum: a rollout that paused itself notifies through the organisation's queue.
ALTER TYPE "NotificationType" ADD VALUE 'REQUEST_PAUSED';
