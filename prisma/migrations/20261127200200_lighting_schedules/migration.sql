-- Platform-side lighting schedules: an organisation's calendar and astronomical switching entries for a
-- device list or a device group, run by Temporal Schedules. Written in the form `prisma migrate dev` produces.

-- CreateTable
CREATE TABLE "LightingSchedule" (
    "id" TEXT NOT NULL,
    "organisationId" TEXT NOT NULL,
    "identification" TEXT NOT NULL,
    "description" TEXT,
    "timeZone" TEXT NOT NULL,
    "deviceIdentifications" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "groupId" TEXT,
    "entries" JSONB NOT NULL,
    "exceptionDates" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "startDate" TEXT,
    "endDate" TEXT,
    "defaultLatitude" DOUBLE PRECISION,
    "defaultLongitude" DOUBLE PRECISION,
    "paused" BOOLEAN NOT NULL DEFAULT false,
    "temporalScheduleCount" INTEGER NOT NULL DEFAULT 0,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "LightingSchedule_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "LightingSchedule_organisationId_identification_key" ON "LightingSchedule"("organisationId", "identification");

-- CreateIndex
CREATE INDEX "LightingSchedule_groupId_idx" ON "LightingSchedule"("groupId");

-- AddForeignKey
ALTER TABLE "LightingSchedule" ADD CONSTRAINT "LightingSchedule_organisationId_fkey" FOREIGN KEY ("organisationId") REFERENCES "Organisation"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "LightingSchedule" ADD CONSTRAINT "LightingSchedule_groupId_fkey" FOREIGN KEY ("groupId") REFERENCES "DeviceGroup"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
