-- Device status monitoring and time synchronisation (issue 12, items 5 and 6): when each device was last
-- heard from, whether it answers, and its clock deviation. Written in the form `prisma migrate dev` produces.

-- CreateEnum
CREATE TYPE "CommunicationState" AS ENUM ('OK', 'COMMUNICATION_LOST');

-- AlterTable
ALTER TABLE "Device" ADD COLUMN "lastCommunicationAt" TIMESTAMP(3),
ADD COLUMN "communicationState" "CommunicationState" NOT NULL DEFAULT 'OK',
ADD COLUMN "communicationStateChangedAt" TIMESTAMP(3),
ADD COLUMN "clockDeviationMs" INTEGER,
ADD COLUMN "clockCheckedAt" TIMESTAMP(3);

-- CreateIndex
CREATE INDEX "Device_lastCommunicationAt_idx" ON "Device"("lastCommunicationAt");

-- CreateIndex
CREATE INDEX "Device_communicationState_idx" ON "Device"("communicationState");

-- CreateIndex
CREATE INDEX "Device_clockDeviationMs_idx" ON "Device"("clockDeviationMs");
