-- Foundation: organisations and API keys, devices and their authorizations, request records with
-- per-device results, and the device message log. Written in the form `prisma migrate dev` produces.

-- CreateEnum
CREATE TYPE "PlatformFunctionGroup" AS ENUM ('ADMIN', 'USER');

-- CreateEnum
CREATE TYPE "DeviceFunctionGroup" AS ENUM ('OWNER', 'INSTALLATION', 'AD_HOC', 'MANAGEMENT', 'FIRMWARE', 'SCHEDULING', 'TARIFF_SCHEDULING', 'CONFIGURATION', 'MONITORING', 'METADATA_MANAGEMENT');

-- CreateEnum
CREATE TYPE "DeviceLifecycleStatus" AS ENUM ('NEW_IN_INVENTORY', 'READY_FOR_USE', 'REGISTERED', 'REGISTERED_BY_INSTALLER', 'UNDER_TEST', 'IN_USE', 'RETURNED_TO_SUPPLIER', 'DESTROYED');

-- CreateEnum
CREATE TYPE "DeviceProtocol" AS ENUM ('OSLP', 'DLMS');

-- CreateEnum
CREATE TYPE "RequestState" AS ENUM ('PENDING', 'IN_PROGRESS', 'OK', 'NOT_OK');

-- CreateEnum
CREATE TYPE "DeviceResultState" AS ENUM ('OK', 'NOT_OK');

-- CreateEnum
CREATE TYPE "MessageDirection" AS ENUM ('TO_DEVICE', 'FROM_DEVICE');

-- CreateTable
CREATE TABLE "Organisation" (
    "id" TEXT NOT NULL,
    "identification" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "platformFunctionGroup" "PlatformFunctionGroup" NOT NULL DEFAULT 'USER',
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Organisation_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ApiKey" (
    "id" TEXT NOT NULL,
    "organisationId" TEXT NOT NULL,
    "secretHash" TEXT NOT NULL,
    "label" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastUsedAt" TIMESTAMP(3),
    "revokedAt" TIMESTAMP(3),

    CONSTRAINT "ApiKey_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Device" (
    "id" TEXT NOT NULL,
    "identification" TEXT NOT NULL,
    "alias" TEXT,
    "protocol" "DeviceProtocol" NOT NULL,
    "networkAddress" TEXT,
    "port" INTEGER,
    "publicKey" TEXT,
    "oslpDeviceUid" TEXT,
    "latitude" DOUBLE PRECISION,
    "longitude" DOUBLE PRECISION,
    "ownerId" TEXT,
    "activated" BOOLEAN NOT NULL DEFAULT true,
    "inMaintenance" BOOLEAN NOT NULL DEFAULT false,
    "lifecycleStatus" "DeviceLifecycleStatus" NOT NULL DEFAULT 'NEW_IN_INVENTORY',
    "sequenceNumber" INTEGER,
    "randomDevice" INTEGER,
    "randomPlatform" INTEGER,
    "pendingRegistrationSequenceNumber" INTEGER,
    "registeredAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Device_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "DeviceAuthorization" (
    "id" TEXT NOT NULL,
    "deviceId" TEXT NOT NULL,
    "organisationId" TEXT NOT NULL,
    "functionGroup" "DeviceFunctionGroup" NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "DeviceAuthorization_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "RequestRecord" (
    "correlationUid" TEXT NOT NULL,
    "organisationId" TEXT NOT NULL,
    "domain" TEXT NOT NULL,
    "operation" TEXT NOT NULL,
    "state" "RequestState" NOT NULL DEFAULT 'PENDING',
    "deviceCount" INTEGER NOT NULL,
    "requestHash" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" TIMESTAMP(3),

    CONSTRAINT "RequestRecord_pkey" PRIMARY KEY ("correlationUid")
);

-- CreateTable
CREATE TABLE "DeviceResult" (
    "id" TEXT NOT NULL,
    "correlationUid" TEXT NOT NULL,
    "deviceIdentification" TEXT NOT NULL,
    "result" "DeviceResultState" NOT NULL,
    "attempts" INTEGER NOT NULL,
    "errorCode" TEXT,
    "message" TEXT,
    "data" JSONB,
    "finishedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "DeviceResult_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "DeviceMessageLog" (
    "id" BIGSERIAL NOT NULL,
    "deviceIdentification" TEXT NOT NULL,
    "correlationUid" TEXT,
    "direction" "MessageDirection" NOT NULL,
    "messageType" TEXT NOT NULL,
    "sequenceNumber" INTEGER,
    "result" TEXT NOT NULL,
    "summary" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "DeviceMessageLog_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Organisation_identification_key" ON "Organisation"("identification");

-- CreateIndex
CREATE INDEX "ApiKey_organisationId_idx" ON "ApiKey"("organisationId");

-- CreateIndex
CREATE UNIQUE INDEX "Device_identification_key" ON "Device"("identification");

-- CreateIndex
CREATE UNIQUE INDEX "Device_oslpDeviceUid_key" ON "Device"("oslpDeviceUid");

-- CreateIndex
CREATE INDEX "Device_ownerId_idx" ON "Device"("ownerId");

-- CreateIndex
CREATE INDEX "DeviceAuthorization_organisationId_idx" ON "DeviceAuthorization"("organisationId");

-- CreateIndex
CREATE UNIQUE INDEX "DeviceAuthorization_deviceId_organisationId_functionGroup_key" ON "DeviceAuthorization"("deviceId", "organisationId", "functionGroup");

-- CreateIndex
CREATE INDEX "RequestRecord_organisationId_createdAt_idx" ON "RequestRecord"("organisationId", "createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "DeviceResult_correlationUid_deviceIdentification_key" ON "DeviceResult"("correlationUid", "deviceIdentification");

-- CreateIndex
CREATE INDEX "DeviceMessageLog_deviceIdentification_createdAt_idx" ON "DeviceMessageLog"("deviceIdentification", "createdAt");

-- CreateIndex
CREATE INDEX "DeviceMessageLog_correlationUid_idx" ON "DeviceMessageLog"("correlationUid");

-- AddForeignKey
ALTER TABLE "ApiKey" ADD CONSTRAINT "ApiKey_organisationId_fkey" FOREIGN KEY ("organisationId") REFERENCES "Organisation"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Device" ADD CONSTRAINT "Device_ownerId_fkey" FOREIGN KEY ("ownerId") REFERENCES "Organisation"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "DeviceAuthorization" ADD CONSTRAINT "DeviceAuthorization_deviceId_fkey" FOREIGN KEY ("deviceId") REFERENCES "Device"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "DeviceAuthorization" ADD CONSTRAINT "DeviceAuthorization_organisationId_fkey" FOREIGN KEY ("organisationId") REFERENCES "Organisation"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RequestRecord" ADD CONSTRAINT "RequestRecord_organisationId_fkey" FOREIGN KEY ("organisationId") REFERENCES "Organisation"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "DeviceResult" ADD CONSTRAINT "DeviceResult_correlationUid_fkey" FOREIGN KEY ("correlationUid") REFERENCES "RequestRecord"("correlationUid") ON DELETE CASCADE ON UPDATE CASCADE;
