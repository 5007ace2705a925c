-- OSLP: the registrations each device made, so an older RegisterDevice frame replayed is refused (issue 10).
-- Written in the form `prisma migrate dev` produces.

-- CreateTable
CREATE TABLE "OslpRegistration" (
    "deviceId" TEXT NOT NULL,
    "sequenceNumber" INTEGER NOT NULL,
    "randomDevice" INTEGER NOT NULL,
    "receivedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "OslpRegistration_pkey" PRIMARY KEY ("deviceId","sequenceNumber","randomDevice")
);

-- AddForeignKey
ALTER TABLE "OslpRegistration" ADD CONSTRAINT "OslpRegistration_deviceId_fkey" FOREIGN KEY ("deviceId") REFERENCES "Device"("id") ON DELETE CASCADE ON UPDATE CASCADE;
