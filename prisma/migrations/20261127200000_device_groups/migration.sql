-- Device groups: an organisation's named sets of devices for group requests, either a static member list or
-- a findDevices filter resolved when a request runs. Requests can now be cancelled. Written in the form
-- `prisma migrate dev` produces.

-- AlterEnum
ALTER TYPE "RequestState" ADD VALUE 'CANCELLED';

-- CreateEnum
CREATE TYPE "DeviceGroupKind" AS ENUM ('STATIC', 'FILTER');

-- CreateTable
CREATE TABLE "DeviceGroup" (
    "id" TEXT NOT NULL,
    "organisationId" TEXT NOT NULL,
    "identification" TEXT NOT NULL,
    "description" TEXT,
    "kind" "DeviceGroupKind" NOT NULL,
    "filter" JSONB,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "DeviceGroup_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "DeviceGroupMember" (
    "groupId" TEXT NOT NULL,
    "deviceId" TEXT NOT NULL,
    "addedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "DeviceGroupMember_pkey" PRIMARY KEY ("groupId","deviceId")
);

-- CreateIndex
CREATE UNIQUE INDEX "DeviceGroup_organisationId_identification_key" ON "DeviceGroup"("organisationId", "identification");

-- CreateIndex
CREATE INDEX "DeviceGroupMember_deviceId_idx" ON "DeviceGroupMember"("deviceId");

-- AddForeignKey
ALTER TABLE "DeviceGroup" ADD CONSTRAINT "DeviceGroup_organisationId_fkey" FOREIGN KEY ("organisationId") REFERENCES "Organisation"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "DeviceGroupMember" ADD CONSTRAINT "DeviceGroupMember_groupId_fkey" FOREIGN KEY ("groupId") REFERENCES "DeviceGroup"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "DeviceGroupMember" ADD CONSTRAINT "DeviceGroupMember_deviceId_fkey" FOREIGN KEY ("deviceId") REFERENCES "Device"("id") ON DELETE CASCADE ON UPDATE CASCADE;
