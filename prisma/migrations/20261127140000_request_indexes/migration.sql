-- Indexes for findRequests (an ADMIN listing everything newest first; requests by device) and for the
-- retention purge (finished records older than the retention).

-- CreateIndex
CREATE INDEX "RequestRecord_createdAt_idx" ON "RequestRecord"("createdAt");

-- CreateIndex
CREATE INDEX "RequestRecord_finishedAt_idx" ON "RequestRecord"("finishedAt");

-- CreateIndex
CREATE INDEX "DeviceResult_deviceIdentification_idx" ON "DeviceResult"("deviceIdentification");
