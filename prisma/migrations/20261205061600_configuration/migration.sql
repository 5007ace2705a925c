-- Configuration and the rest of Core (issue 12): the configuration a device last reported, the platform key it
-- verifies with, CDMA settings, mobile network information, and the schedule time of scheduled requests.
-- Written in the form `prisma migrate dev` produces.

-- AlterTable
ALTER TABLE "Device" ADD COLUMN     "configuration" JSONB,
ADD COLUMN     "configurationReportedAt" TIMESTAMP(3),
ADD COLUMN     "platformVerificationKey" TEXT,
ADD COLUMN     "cdmaMastSegment" TEXT,
ADD COLUMN     "cdmaBatchNumber" INTEGER,
ADD COLUMN     "btsId" INTEGER,
ADD COLUMN     "cellId" INTEGER;

-- AlterTable
ALTER TABLE "RequestRecord" ADD COLUMN     "scheduledTime" TIMESTAMP(3),
ADD COLUMN     "scheduledDevices" TEXT[] DEFAULT ARRAY[]::TEXT[];

-- CreateIndex
CREATE INDEX "RequestRecord_scheduledTime_idx" ON "RequestRecord"("scheduledTime");
