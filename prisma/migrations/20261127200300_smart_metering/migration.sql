-- Smart metering: per-meter DLMS/COSEM connection settings, sealed secrets, the invocation counter and the
-- association lease that serialises associations per meter across adapter processes. Written in the form
-- `prisma migrate dev` produces.

-- CreateEnum
CREATE TYPE "DlmsTransport" AS ENUM ('WRAPPER', 'HDLC');

-- CreateEnum
CREATE TYPE "DlmsAuthentication" AS ENUM ('NONE', 'LOW', 'HIGH_GMAC');

-- CreateTable
CREATE TABLE "DlmsMeter" (
    "deviceId" TEXT NOT NULL,
    "transport" "DlmsTransport" NOT NULL DEFAULT 'WRAPPER',
    "clientAddress" INTEGER NOT NULL,
    "serverAddress" INTEGER NOT NULL DEFAULT 1,
    "hdlcLowerServerAddress" INTEGER,
    "authentication" "DlmsAuthentication" NOT NULL,
    "passwordSealed" TEXT,
    "authenticationKeySealed" TEXT,
    "blockCipherKeySealed" TEXT,
    "clientSystemTitle" TEXT,
    "serverSystemTitle" TEXT,
    "invocationCounter" BIGINT NOT NULL DEFAULT 1,
    "associationHolder" TEXT,
    "associationLeaseUntil" TIMESTAMP(3),
    "lastAssociatedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "DlmsMeter_pkey" PRIMARY KEY ("deviceId")
);

-- AddForeignKey
ALTER TABLE "DlmsMeter" ADD CONSTRAINT "DlmsMeter_deviceId_fkey" FOREIGN KEY ("deviceId") REFERENCES "Device"("id") ON DELETE CASCADE ON UPDATE CASCADE;
